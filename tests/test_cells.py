"""Cells against a numpy step-by-step implementation of their equations and against Flax cells."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpy_rnn import numpy_step, sigmoid

from rnnjax.errors import ConfigError
from rnnjax.models.cells import GRUCell, LSTMCell, SimpleRNNCell, make_cell

B, E, H = 3, 5, 4
RNG = np.random.default_rng(0)


def random_params(cell) -> dict:
    """One direction's params (float64 numpy): kernel, recurrent_kernel, bias[, recurrent_bias]."""
    g = cell.num_gates * H
    p = {
        "kernel": RNG.normal(size=(E, g)),
        "recurrent_kernel": RNG.normal(size=(H, g)) * 0.5,
        "bias": RNG.normal(size=g),
    }
    if cell.has_recurrent_bias:
        p["recurrent_bias"] = RNG.normal(size=H)
    return p


f32 = lambda tree: jax.tree.map(lambda a: jnp.asarray(a, jnp.float32), tree)


CELLS = [
    ("lstm", True, LSTMCell()),
    ("gru", True, GRUCell(reset_after=True)),
    ("gru", False, GRUCell(reset_after=False)),
    ("rnn", True, SimpleRNNCell()),
]


@pytest.mark.parametrize(
    ("name", "reset_after", "cell"), CELLS, ids=["lstm", "gru", "gru_rb", "rnn"]
)
def test_step_matches_numpy_equations(name, reset_after, cell):
    p = random_params(cell)
    x = RNG.normal(size=(B, E))
    carry = jax.tree.map(lambda a: RNG.normal(size=a.shape), cell.zero_carry((B,), H, jnp.float32))
    got = cell.step(f32(p), f32(carry), f32(x @ p["kernel"] + p["bias"]))
    want = numpy_step(name, reset_after, p, carry, x)
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, atol=2e-6), got, want)


def test_lstm_forget_bias_lands_on_the_forget_gate_only():
    bias = LSTMCell(forget_bias=2.5).bias_init(3)
    np.testing.assert_array_equal(bias, [0, 0, 0, 2.5, 2.5, 2.5, 0, 0, 0, 0, 0, 0])


def flax_step(flax_cell, flax_params: dict, carry, x):
    return flax_cell.apply({"params": f32(flax_params)}, f32(carry), f32(x))[0]


def test_lstm_matches_flax_lstm_cell():
    p = random_params(LSTMCell())
    x, carry = RNG.normal(size=(B, E)), (RNG.normal(size=(B, H)), RNG.normal(size=(B, H)))
    kernels, recurrent, biases = (
        np.split(p[k], 4, axis=-1) for k in ("kernel", "recurrent_kernel", "bias")
    )
    flax_params = {}
    for k, gate in enumerate("ifgo"):
        flax_params[f"i{gate}"] = {"kernel": kernels[k]}
        flax_params[f"h{gate}"] = {"kernel": recurrent[k], "bias": biases[k]}
    want = flax_step(nn.LSTMCell(H), flax_params, carry, x)
    got = LSTMCell().step(f32(p), f32(carry), f32(x @ p["kernel"] + p["bias"]))
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, atol=1e-5), got, want)


def test_gru_reset_after_matches_flax_gru_cell():
    cell = GRUCell(reset_after=True)
    p = random_params(cell)
    x, h = RNG.normal(size=(B, E)), RNG.normal(size=(B, H))
    kernels, recurrent, biases = (
        np.split(p[k], 3, axis=-1) for k in ("kernel", "recurrent_kernel", "bias")
    )
    flax_params = {
        "iz": {"kernel": kernels[0], "bias": biases[0]},
        "ir": {"kernel": kernels[1], "bias": biases[1]},
        "in": {"kernel": kernels[2], "bias": biases[2]},
        "hz": {"kernel": recurrent[0]},
        "hr": {"kernel": recurrent[1]},
        "hn": {"kernel": recurrent[2], "bias": p["recurrent_bias"]},
    }
    want = flax_step(nn.GRUCell(H), flax_params, h, x)
    got = cell.step(f32(p), f32(h), f32(x @ p["kernel"] + p["bias"]))
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_rnn_matches_flax_simple_cell():
    cell = SimpleRNNCell()
    p = random_params(cell)
    x, h = RNG.normal(size=(B, E)), RNG.normal(size=(B, H))
    flax_params = {
        "i": {"kernel": p["kernel"], "bias": p["bias"]},
        "h": {"kernel": p["recurrent_kernel"]},
    }
    want = flax_step(nn.SimpleCell(H), flax_params, h, x)
    got = cell.step(f32(p), f32(h), f32(x @ p["kernel"] + p["bias"]))
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_recurrent_dropout_mask_scales_h_before_the_recurrent_matmul():
    cell = LSTMCell()
    p = random_params(cell)
    carry = (np.ones((B, H)), np.full((B, H), 0.3))
    x_proj = np.broadcast_to(p["bias"], (B, 4 * H))  # x = 0: the input half is the bias alone
    c, _ = cell.step(f32(p), f32(carry), f32(x_proj), jnp.zeros((B, H)))
    # h masked out: gates see only the bias, c' = sigmoid(b_f) * c + sigmoid(b_i) * tanh(b_g)
    b_i, b_f, b_g, _ = np.split(p["bias"], 4)
    want = sigmoid(b_f) * 1.0 + sigmoid(b_i) * np.tanh(b_g)
    np.testing.assert_allclose(c, np.broadcast_to(want, c.shape), atol=1e-6)


def test_make_cell_rejects_unknown_names():
    assert make_cell("gru", reset_after=False) == GRUCell(reset_after=False)
    with pytest.raises(ConfigError, match=r"cell='lstmm'.*'lstm', 'gru', 'rnn'"):
        make_cell("lstmm")
