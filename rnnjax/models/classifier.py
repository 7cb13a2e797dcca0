"""TextClassifier: embedding -> recurrent encoder -> pooling -> dense relu layers -> logits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from rnnjax.models.encoder import RecurrentEncoder, last_hidden
from rnnjax.models.heads import Pooling

Array = Any

EMBED_INIT = nn.initializers.normal(stddev=0.05)  # small, like Keras' uniform(-0.05, 0.05)


def check_tokens(tokens: Array) -> None:
    """Raises ValueError unless ``tokens`` is int[batch, time]."""
    if tokens.ndim != 2 or not jnp.issubdtype(tokens.dtype, jnp.integer):
        raise ValueError(
            f"tokens must be int32[batch, time] token ids, got {tokens.dtype}{list(tokens.shape)}"
        )


class TextClassifier(nn.Module):
    """Recurrent text classifier covering references 001, 003 and 004.

    Layout: Embed(vocab_size, embed_dim) -> ``encoder`` -> ``Pooling(pooling)`` -> Dropout
    -> [Dense(size, relu) -> Dropout(dense_dropout)] for each of ``dense_sizes``
    -> Dense(num_classes).

    Attributes:
        vocab_size: embedding rows, including pad (0) and OOV (1).
        num_classes: C, the number of logits.
        encoder: the recurrent encoder (its ``dtype`` is the compute dtype of the whole model).
        embed_dim: E.
        pooling: "last" | "max" | "mean" | "attention".
        dense_sizes: widths of the relu layers between pooling and logits.
        head_dropout: dropout rate after pooling.
        dense_dropout: dropout rate after each dense relu layer (reference 004: 0.5, 001: 0).
        attention_use_scale: learn the attention score scale (init 1/sqrt(F)); else fixed.
    """

    vocab_size: int
    num_classes: int
    encoder: RecurrentEncoder
    embed_dim: int = 64
    pooling: str = "last"
    dense_sizes: Sequence[int] = (32,)
    head_dropout: float = 0.5
    dense_dropout: float = 0.5
    attention_use_scale: bool = True

    @nn.compact
    def __call__(self, tokens: Array, lengths: Array, deterministic: bool = True) -> Array:
        """int32[B, T] tokens (pad 0), int32[B] lengths -> float32[B, C] logits."""
        check_tokens(tokens)
        dtype = self.encoder.dtype
        x = nn.Embed(
            self.vocab_size, self.embed_dim, dtype=dtype, embedding_init=EMBED_INIT, name="embed"
        )(tokens)
        outputs, final_state = self.encoder(x, lengths, deterministic=deterministic)
        pooling = Pooling(self.pooling, self.attention_use_scale, name="pooling")
        y = pooling(outputs, lengths, last_hidden(self.encoder, final_state))
        y = nn.Dropout(self.head_dropout, name="dropout_0")(y, deterministic)
        for index, size in enumerate(self.dense_sizes):
            y = nn.relu(nn.Dense(size, dtype=dtype, name=f"dense_{index}")(y))
            y = nn.Dropout(self.dense_dropout, name=f"dropout_{index + 1}")(y, deterministic)
        return nn.Dense(self.num_classes, dtype=dtype, name="logits")(y).astype(jnp.float32)
