"""Ensemble: K classifiers with their own initialisation and dropout, run as one vmapped model.

A deep ensemble trained in one job: the members see the same batches, but each starts from its
own random parameters, draws its own dropout masks and (rnnjax.training.optimizer) has its own
optimizer state and gradient clipping, so each trains exactly as it would alone. Their
matmuls run side by side in one compiled step instead of K runs one after another.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from rnnjax.models.classifier import TextClassifier

Array = Any


def ensemble_logits(member_logits: Array) -> Array:
    """float32[K, B, C] member logits -> float32[B, C] log of the mean of their probabilities
    (valid logits: their softmax is that mean)."""
    log_probs = jax.nn.log_softmax(member_logits.astype(jnp.float32), axis=-1)
    return jax.nn.logsumexp(log_probs, axis=0) - jnp.log(member_logits.shape[0])


class Ensemble(nn.Module):
    """K TextClassifiers whose params are stacked on axis 0 under ``members``.

    Called with ``deterministic=True`` (evaluation, prediction) it returns the ensemble's logits
    float32[B, C] (:func:`ensemble_logits`); in training float32[B, K, C], every member's own
    logits, so that each member is trained on its own loss (rnnjax.training.forward).

    Attributes:
        members: the vmapped TextClassifier that :func:`make_ensemble` builds.
    """

    members: nn.Module

    def __call__(self, tokens: Array, lengths: Array, deterministic: bool = True) -> Array:
        """int32[B, T] tokens, int32[B] lengths -> logits (see the class docstring)."""
        logits = self.members(tokens, lengths, deterministic)
        return ensemble_logits(logits) if deterministic else jnp.swapaxes(logits, 0, 1)


def make_ensemble(size: int, **member_kwargs: Any) -> Ensemble:
    """An Ensemble of ``size`` TextClassifier(**member_kwargs), each with its own params and
    dropout masks (``split_rngs``), all reading the same batch."""
    members = nn.vmap(
        TextClassifier,
        variable_axes={"params": 0, "intermediates": 0},
        split_rngs={"params": True, "dropout": True},
        in_axes=(None, None, None),
        axis_size=size,
    )
    return Ensemble(members(**member_kwargs))
