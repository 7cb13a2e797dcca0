"""Weighted loss and metric sums: padded rows and tokens (weight 0) count zero.

Functions return *sums* (not means) so that shards, batches and devices combine exactly: the
mean is ``loss / weight`` after summing over all of them.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax


def cross_entropy(
    logits: jax.Array, labels: jax.Array, label_smoothing: float = 0.0
) -> jax.Array:
    """Softmax cross-entropy per example, in nats.

    Args:
      logits: float[..., num_classes].
      labels: int32[...] class ids.
      label_smoothing: mass spread uniformly over all classes (0 = plain cross-entropy).

    Returns:
      float32[...] losses.
    """
    logits = logits.astype(jnp.float32)
    if not label_smoothing:
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels)
    targets = optax.smooth_labels(jax.nn.one_hot(labels, logits.shape[-1]), label_smoothing)
    return optax.softmax_cross_entropy(logits, targets)


def loss_sums(
    logits: jax.Array, labels: jax.Array, weights: jax.Array, label_smoothing: float = 0.0
) -> dict[str, jax.Array]:
    """Weighted sums of loss and correct predictions for classification or language modelling.

    Args:
      logits: float[B, C] (classification) or float[B, T, V] (language model).
      labels: int32[B] or int32[B, T] targets.
      weights: float32 with the shape of ``labels``; 0 marks padding.
      label_smoothing: see :func:`cross_entropy`.

    Returns:
      Scalars ``loss`` (sum of weighted losses), ``correct`` (weighted count of argmax hits) and
      ``weight`` (sum of weights).
    """
    weights = weights.astype(jnp.float32)
    losses = cross_entropy(logits, labels, label_smoothing)
    hits = (jnp.argmax(logits, axis=-1) == labels).astype(jnp.float32)
    return {
        "loss": jnp.sum(losses * weights),
        "correct": jnp.sum(hits * weights),
        "weight": jnp.sum(weights),
    }


def summarize(sums: dict[str, float]) -> dict[str, float]:
    """Turns summed metrics into means: loss and accuracy per unit of weight."""
    weight = max(float(sums["weight"]), 1e-12)
    return {"loss": float(sums["loss"]) / weight, "accuracy": float(sums["correct"]) / weight}
