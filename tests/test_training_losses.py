"""Weighted loss sums against a numpy log-softmax reference."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from rnnjax.training.losses import cross_entropy, loss_sums, summarize


def _log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def test_cross_entropy_and_label_smoothing_match_numpy():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 5)).astype(np.float32)
    labels = rng.integers(0, 5, size=6)
    logp = _log_softmax(logits.astype(np.float64))
    plain = -logp[np.arange(6), labels]
    np.testing.assert_allclose(cross_entropy(jnp.asarray(logits), jnp.asarray(labels)), plain,
                               rtol=1e-5)
    eps = 0.2
    target = np.full((6, 5), eps / 5) + (1 - eps) * np.eye(5)[labels]
    smooth = -(target * logp).sum(-1)
    np.testing.assert_allclose(
        cross_entropy(jnp.asarray(logits), jnp.asarray(labels), eps), smooth, rtol=1e-5
    )


def test_padded_rows_count_zero():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(4, 3)).astype(np.float32)
    labels = np.array([0, 1, 2, 0])
    weights = np.array([1, 1, 0, 0], np.float32)
    sums = loss_sums(jnp.asarray(logits), jnp.asarray(labels), jnp.asarray(weights))
    first_two = loss_sums(jnp.asarray(logits[:2]), jnp.asarray(labels[:2]), jnp.ones(2))
    assert float(sums["weight"]) == 2.0
    assert float(sums["loss"]) == pytest.approx(float(first_two["loss"]), rel=1e-6)
    hits = (logits[:2].argmax(-1) == labels[:2]).sum()
    assert float(sums["correct"]) == hits
    means = summarize(sums)
    assert means["loss"] == pytest.approx(float(first_two["loss"]) / 2, rel=1e-6)


def test_language_model_token_sums():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(2, 3, 7)).astype(np.float32)
    targets = rng.integers(0, 7, size=(2, 3))
    weights = np.array([[1, 1, 1], [1, 0, 0]], np.float32)
    sums = loss_sums(jnp.asarray(logits), jnp.asarray(targets), jnp.asarray(weights))
    logp = _log_softmax(logits.astype(np.float64))
    nll = -np.take_along_axis(logp, targets[..., None], -1)[..., 0]
    assert float(sums["loss"]) == pytest.approx((nll * weights).sum(), rel=1e-5)
    assert float(sums["weight"]) == 4.0
