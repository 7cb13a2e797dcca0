"""AWD-LSTM-style dropouts (Merity et al. 2018): of whole word types, of input tokens, of weights.

Pure functions of a PRNG key, so each mask is testable alone; the modules call them only when
training (``deterministic=False``), with a key from their "dropout" RNG stream.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

Array = Any
OOV_ID = 1  # rnnjax.text.Vocabulary.oov_id (models do not import the text package)


def word_dropout(rng: Array, tokens: Array, rate: float) -> Array:
    """int[B, T] tokens with each real occurrence replaced by the OOV id with probability
    ``rate`` (padding, id 0, is never replaced): the model learns to read around unknown words."""
    replace = jax.random.bernoulli(rng, rate, tokens.shape) & (tokens != 0)
    return jnp.where(replace, jnp.asarray(OOV_ID, tokens.dtype), tokens)


def embedding_dropout(
    rng: Array, tokens: Array, embedded: Array, vocab_size: int, rate: float
) -> Array:
    """float[B, T, E] ``embedded`` (the embedding rows of ``tokens`` int[B, T]) with whole word
    types dropped (Gal & Ghahramani 2016): a row of the embedding matrix is zeroed at every
    occurrence of its word in the batch, with probability ``rate``; the rest scale by 1/(1-rate).
    """
    keep = 1.0 - rate
    kept_types = jax.random.bernoulli(rng, keep, (vocab_size,))
    scale = jnp.where(kept_types, 1.0 / keep, 0.0).astype(embedded.dtype)
    return embedded * scale[tokens][..., None]


def drop_connect(rng: Array, kernel: Array, rate: float) -> Array:
    """``kernel`` times a DropConnect mask (Wan et al. 2013) of its own shape: each weight zeroed
    with probability ``rate``, the rest scaled by 1/(1-rate). One mask per call, so every time
    step and every row of a batch sees the same dropped weights."""
    keep = 1.0 - rate
    mask = jax.random.bernoulli(rng, keep, kernel.shape).astype(kernel.dtype) / keep
    return kernel * mask
