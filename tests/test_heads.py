"""Pooling heads: real steps only, finite on empty rows, attention against a numpy reference."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnnjax.errors import ConfigError
from rnnjax.models.heads import Pooling, max_pool, mean_pool

B, T, F = 3, 5, 4
RNG = np.random.default_rng(0)
LENGTHS = jnp.array([5, 2, 0], jnp.int32)
MASK = np.arange(T)[None, :] < np.asarray(LENGTHS)[:, None]
# large values at padded steps: any leak from padding shows up
OUTPUTS = jnp.asarray(np.where(MASK[..., None], RNG.normal(size=(B, T, F)), 100.0), jnp.float32)


def test_max_pool_ignores_padding_and_is_zero_for_empty_rows():
    got = max_pool(OUTPUTS, LENGTHS)
    want = [
        np.max(np.asarray(OUTPUTS)[b, : int(n)], 0) if n else np.zeros(F)
        for b, n in enumerate(LENGTHS)
    ]
    np.testing.assert_allclose(got, np.stack(want), rtol=1e-6)
    grad = jax.grad(lambda o: max_pool(o, LENGTHS).sum())(OUTPUTS)
    assert np.isfinite(grad).all() and not np.any(grad[2]) and not np.any(grad[1, 2:])


def test_mean_pool_averages_real_steps_only():
    got = mean_pool(OUTPUTS, LENGTHS)
    want = [
        np.mean(np.asarray(OUTPUTS)[b, : int(n)], 0) if n else np.zeros(F)
        for b, n in enumerate(LENGTHS)
    ]
    np.testing.assert_allclose(got, np.stack(want), rtol=1e-6)


def numpy_attention_pool(outputs: np.ndarray, lengths, scale: float) -> np.ndarray:
    """Per row over its real steps: softmax(scale * q k^T) v, then the mean over queries."""
    pooled = np.zeros((len(lengths), outputs.shape[-1]))
    for b, n in enumerate(np.asarray(lengths)):
        if n:
            v = outputs[b, :n].astype(np.float64)
            scores = scale * v @ v.T
            weights = np.exp(scores - scores.max(1, keepdims=True))
            pooled[b] = (weights / weights.sum(1, keepdims=True) @ v).mean(0)
    return pooled


@pytest.mark.parametrize("use_scale", [True, False])
def test_attention_pooling_matches_numpy_per_row(use_scale):
    pooling = Pooling("attention", attention_use_scale=use_scale)
    variables = pooling.init(jax.random.key(0), OUTPUTS, LENGTHS, None)
    if use_scale:
        np.testing.assert_allclose(variables["params"]["attention"]["scale"], F**-0.5)
        variables = {"params": {"attention": {"scale": jnp.array(0.6)}}}
    else:
        assert not variables
    got = pooling.apply(variables, OUTPUTS, LENGTHS, None)
    want = numpy_attention_pool(np.asarray(OUTPUTS), LENGTHS, 0.6 if use_scale else F**-0.5)
    np.testing.assert_allclose(got, want, atol=1e-5)
    grad = jax.grad(lambda o: pooling.apply(variables, o, LENGTHS, None).sum())(OUTPUTS)
    assert np.isfinite(grad).all() and not np.any(grad[2])


def test_last_returns_the_final_hidden_and_unknown_kind_is_rejected():
    last = jnp.ones((B, F))
    np.testing.assert_array_equal(Pooling("last").apply({}, OUTPUTS, LENGTHS, last), last)
    with pytest.raises(ConfigError, match=r"pooling='first' is unknown; expected one of"):
        Pooling("first").apply({}, OUTPUTS, LENGTHS, last)


def test_attention_sows_its_softmax_weights_with_padded_keys_at_zero():
    pooling = Pooling("attention", attention_use_scale=False)
    _, state = pooling.apply({}, OUTPUTS, LENGTHS, None, mutable=["intermediates"])
    (weights,) = state["intermediates"]["attention"]["weights"]
    assert weights.shape == (B, T, T) and weights.dtype == jnp.float32
    for b, n in enumerate(np.asarray(LENGTHS)[:2]):
        v = np.asarray(OUTPUTS)[b, :n].astype(np.float64)
        scores = F**-0.5 * v @ v.T
        want = np.exp(scores - scores.max(1, keepdims=True))
        np.testing.assert_allclose(weights[b, :n, :n], want / want.sum(1, keepdims=True), atol=1e-6)
        assert not np.any(weights[b, :, n:])  # padded keys get no weight, at any query


def test_concat_pooling_is_last_max_mean_side_by_side():
    last = jnp.asarray(RNG.normal(size=(B, F)), jnp.float32)
    got = Pooling("concat").apply({}, OUTPUTS, LENGTHS, last)
    assert got.shape == (B, 3 * F)
    parts = [Pooling(kind).apply({}, OUTPUTS, LENGTHS, last) for kind in ("last", "max", "mean")]
    np.testing.assert_array_equal(got, np.concatenate(parts, -1))
    np.testing.assert_array_equal(got[2, F:], 0)  # the empty row's max and mean are zeros
