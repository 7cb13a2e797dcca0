"""The hand-written backward pass (backward="custom") against autodiff of the scanned step."""

from __future__ import annotations

import jax
import jax.extend
import jax.numpy as jnp
import numpy as np
import pytest

from rnnjax.errors import ConfigError
from rnnjax.models import RecurrentEncoder

B, T, E, H = 3, 6, 5, 4
X = jax.random.normal(jax.random.key(1), (B, T, E))
LENGTHS = jnp.array([6, 3, 0], jnp.int32)  # full, padded and empty rows

CELLS = [("lstm", True), ("gru", True), ("gru", False), ("rnn", True)]
CELL_IDS = ["lstm", "gru", "gru_reset_before", "rnn"]
PROJECTIONS = [
    {"projection": "step"},
    {"projection": "sequence"},
    {"projection": "chunk", "chunk_size": 4},
]
# (bidirectional, num_layers, dropout on): the smallest and the fullest layer stacks
STACKS = [(False, 1, False), (True, 2, True)]


def random_like(tree, seed: int):
    """Values of ``tree``'s shapes from numpy (every bias nonzero, so a lost bias shows up)."""
    rng = np.random.default_rng(seed)
    return jax.tree.map(lambda s: jnp.asarray(0.5 * rng.normal(size=s.shape), s.dtype), tree)


def loss_and_grads(
    encoder: RecurrentEncoder,
    dropout: bool,
    variants: tuple[dict, ...] = ({"backward": "autodiff"}, {"backward": "custom"}),
):
    """A jitted (loss, grads wrt params, x and the initial state) of random weighted outputs and
    final states, so every cotangent the layer receives is nonzero; one per ``encoder.clone``
    of ``variants``."""
    variables = random_like(jax.eval_shape(encoder.init, jax.random.key(0), X, LENGTHS), 7)
    state = random_like(encoder.initial_state(B), 8)
    out_shapes = jax.eval_shape(
        lambda v, s: encoder.apply(v, X, LENGTHS, initial_state=s), variables, state
    )
    weights = random_like(out_shapes, 9)
    rngs = {"dropout": jax.random.key(3)}

    def loss(v, x, s, enc):
        out = enc.apply(v, x, LENGTHS, initial_state=s, deterministic=not dropout, rngs=rngs)
        return sum(
            jnp.sum(a * w)
            for a, w in zip(jax.tree.leaves(out), jax.tree.leaves(weights), strict=True)
        )

    @jax.jit
    def both(v, x, s):
        grad = jax.value_and_grad(loss, argnums=(0, 1, 2))
        return [grad(v, x, s, encoder.clone(**c)) for c in variants]

    return both(variables, X, state)


@pytest.mark.parametrize(
    ("bidirectional", "num_layers", "dropout"), STACKS, ids=["uni1", "bi2_dropout"]
)
@pytest.mark.parametrize("projection", PROJECTIONS, ids=[p["projection"] for p in PROJECTIONS])
@pytest.mark.parametrize(("cell", "reset_after"), CELLS, ids=CELL_IDS)
def test_custom_backward_equals_autodiff(
    cell, reset_after, projection, bidirectional, num_layers, dropout
):
    encoder = RecurrentEncoder(
        cell=cell,
        hidden_size=H,
        num_layers=num_layers,
        bidirectional=bidirectional,
        reset_after=reset_after,
        dropout=0.3 if dropout else 0.0,
        recurrent_dropout=0.4 if dropout else 0.0,
        **projection,
    )
    (want_loss, want), (got_loss, got) = loss_and_grads(encoder, dropout)
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-5, atol=1e-5)
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5), got, want)
    # the empty row's gradient reaches its initial state unchanged, never its inputs
    np.testing.assert_array_equal(got[1][2], 0)


def test_outputs_equal_autodiff_path_and_padding_is_zero():
    encoder = RecurrentEncoder(cell="lstm", hidden_size=H, bidirectional=True)
    variables = random_like(jax.eval_shape(encoder.init, jax.random.key(0), X, LENGTHS), 7)
    run = jax.jit(
        lambda v: [encoder.clone(backward=b).apply(v, X, LENGTHS) for b in ("autodiff", "custom")]
    )
    want, got = run(variables)
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6), got, want)
    np.testing.assert_array_equal(got[0][1, 3:], 0)
    np.testing.assert_array_equal(got[0][2], 0)


def backward_scan_dots(encoder: RecurrentEncoder) -> list[int]:
    """Matmuls per iteration of each scan in the gradient's jaxpr, in program order."""
    variables = jax.eval_shape(encoder.init, jax.random.key(0), X, LENGTHS)
    jaxpr = jax.make_jaxpr(jax.grad(lambda v: jnp.sum(encoder.apply(v, X, LENGTHS)[0])))(variables)
    found = []

    def count(j) -> int:
        n = 0
        for eqn in j.eqns:
            n += eqn.primitive.name == "dot_general"
            for sub in jax.extend.core.jaxprs_in_params(eqn.params):
                n += count(sub)
        return n

    def walk(j):
        for eqn in j.eqns:
            if eqn.primitive.name == "scan":
                found.append(count(eqn.params["jaxpr"].jaxpr))
            else:
                for sub in jax.extend.core.jaxprs_in_params(eqn.params):
                    walk(sub)

    walk(jaxpr.jaxpr)
    return found


def test_custom_backward_scan_holds_only_the_recurrent_matmul():
    # forward scan: x @ W and h @ U per direction; backward scan: dz @ U^T per direction only
    encoder = RecurrentEncoder(cell="lstm", hidden_size=H, bidirectional=True, projection="step")
    assert backward_scan_dots(encoder.clone(backward="custom")) == [4, 2]
    assert backward_scan_dots(encoder.clone(backward="autodiff"))[-1] > 2


def test_auto_backward_resolves_per_platform_and_bad_names_fail():
    # the tests run on CPU, where the GRU's and the LSTM's custom backward passes measured faster
    assert RecurrentEncoder(cell="gru", backward="auto").backward_path() == "custom"
    assert RecurrentEncoder(cell="lstm", backward="auto").backward_path() == "custom"
    assert RecurrentEncoder(cell="rnn", backward="auto").backward_path() == "autodiff"
    assert RecurrentEncoder(cell="gru", backward="autodiff").backward_path() == "autodiff"
    assert RecurrentEncoder(cell="lstm", backward="custom").backward_path() == "custom"
    with pytest.raises(ConfigError, match=r"backward='fused'; expected one of"):
        RecurrentEncoder(backward="fused").check_config()
