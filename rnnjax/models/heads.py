"""Pooling heads: encoder outputs float[B, T, F] -> one vector float[B, F] per row.

Every head looks at real steps only (t < lengths[b]); a zero-length row pools to zeros.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from rnnjax.errors import ConfigError
from rnnjax.models.encoder import time_mask

Array = Any

POOLINGS = ("last", "max", "mean", "concat", "attention")


def max_pool(outputs: Array, lengths: Array) -> Array:
    """Masked global max over time (Keras GlobalMaxPool1D on real steps); 0 for empty rows."""
    mask = time_mask(lengths, outputs.shape[1])[..., None]
    pooled = jnp.where(mask, outputs, jnp.finfo(outputs.dtype).min).max(axis=1)
    return jnp.where(lengths[:, None] > 0, pooled, 0)


def mean_pool(outputs: Array, lengths: Array) -> Array:
    """Masked global average over time; 0 for empty rows."""
    mask = time_mask(lengths, outputs.shape[1])[..., None]
    total = jnp.where(mask, outputs, 0).sum(axis=1)
    return total / jnp.maximum(lengths, 1)[:, None].astype(outputs.dtype)


class DotProductAttention(nn.Module):
    """Self-attention over encoder outputs with a key padding mask (Keras ``Attention`` style).

    scores = scale * (outputs @ outputs^T), padded keys excluded, softmax over keys (float32),
    context = weights @ outputs, zeroed at padded queries. ``scale`` is 1/sqrt(F), the scaled
    dot product of Vaswani et al. (2017), so the softmax does not saturate as F grows. The
    weights are sown into the "intermediates" collection as ``weights`` (float32[B, T, T]).

    Attributes:
        use_scale: learn ``scale`` (a scalar initialised to 1/sqrt(F)), as Keras'
            ``Attention(use_scale=True)`` learns its scale; False keeps it fixed at 1/sqrt(F).
    """

    use_scale: bool = True

    @nn.compact
    def __call__(self, outputs: Array, lengths: Array) -> Array:
        """float[B, T, F], int[B] -> context float[B, T, F]."""
        mask = time_mask(lengths, outputs.shape[1])
        scores = jnp.einsum("bqf,bkf->bqk", outputs, outputs).astype(jnp.float32)
        scale = outputs.shape[-1] ** -0.5
        if self.use_scale:
            scale = self.param("scale", nn.initializers.constant(scale), ())
        scores = scores * scale
        scores = jnp.where(mask[:, None, :], scores, jnp.finfo(jnp.float32).min)
        weights = nn.softmax(scores, axis=-1)
        # float32[B, T, T] (query, key); kept only when "intermediates" is mutable, as when
        # rnnjax.training.inference.attention_weights explains a prediction.
        self.sow("intermediates", "weights", weights)
        context = jnp.einsum("bqk,bkf->bqf", weights.astype(outputs.dtype), outputs)
        return jnp.where(mask[..., None], context, 0)


class Pooling(nn.Module):
    """One vector per row from the encoder: ``kind`` in ``POOLINGS``.

    "last" is the top layer's final hidden state (forward, then backward: the backward one has
    read the whole row); "concat" is [last; max; mean] (ULMFiT's concat pooling, float[B, 3F]);
    "attention" is ``DotProductAttention`` then masked mean pooling.
    """

    kind: str = "last"
    attention_use_scale: bool = True

    @nn.compact
    def __call__(self, outputs: Array, lengths: Array, last: Array) -> Array:
        """float[B, T, F] outputs, int[B] lengths, float[B, F] final hidden -> float[B, F]
        (float[B, 3F] for "concat")."""
        if self.kind == "last":
            return last
        if self.kind == "max":
            return max_pool(outputs, lengths)
        if self.kind == "mean":
            return mean_pool(outputs, lengths)
        if self.kind == "concat":
            pooled = (last, max_pool(outputs, lengths), mean_pool(outputs, lengths))
            return jnp.concatenate(pooled, axis=-1)
        if self.kind == "attention":
            context = DotProductAttention(self.attention_use_scale, name="attention")(
                outputs, lengths
            )
            return mean_pool(context, lengths)
        raise ConfigError(f"pooling={self.kind!r} is unknown; expected one of {POOLINGS}")
