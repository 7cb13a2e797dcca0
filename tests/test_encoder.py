"""RecurrentEncoder: exact lengths, directions, layers and projections against numpy references."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpy_rnn import hidden, numpy_encoder

from rnnjax.errors import ConfigError
from rnnjax.models import RecurrentEncoder
from rnnjax.models.encoder import reverse_index

B, T, E, H = 3, 6, 5, 4
X = jax.random.normal(jax.random.key(1), (B, T, E))
LENGTHS = jnp.array([6, 3, 0], jnp.int32)  # full, padded and empty rows

# (cell, reset_after): every cell form
CELLS = [("lstm", True), ("gru", True), ("gru", False), ("rnn", True)]
CELL_IDS = ["lstm", "gru", "gru_reset_before", "rnn"]


def noisy_init(encoder: RecurrentEncoder) -> dict:
    """Random variables of the encoder's shapes (every bias nonzero, so a lost bias shows up).

    Shapes come from ``eval_shape`` and values from numpy: nothing is compiled.
    """
    shapes = jax.eval_shape(encoder.init, jax.random.key(0), X, LENGTHS)
    rng = np.random.default_rng(7)
    return jax.tree.map(lambda s: jnp.asarray(0.5 * rng.normal(size=s.shape), s.dtype), shapes)


@functools.partial(jax.jit, static_argnums=0, static_argnames="deterministic")
def apply(encoder: RecurrentEncoder, variables, x, lengths, deterministic=True, **kwargs):
    """``encoder.apply`` compiled once per (encoder, shapes) for the whole test session."""
    return encoder.apply(variables, x, lengths, deterministic=deterministic, **kwargs)


def assert_state_close(got, want, **tol) -> None:
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, **tol), got, want)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize(("cell", "reset_after"), CELLS, ids=CELL_IDS)
def test_matches_numpy_rows_run_alone_and_padding_is_invariant(
    cell, reset_after, bidirectional, num_layers
):
    encoder = RecurrentEncoder(
        cell=cell,
        hidden_size=H,
        num_layers=num_layers,
        bidirectional=bidirectional,
        reset_after=reset_after,
    )
    variables = noisy_init(encoder)

    @jax.jit
    def batch_and_alone(v):
        """The padded batch, and row 1 run alone at its own length (3) without padding."""
        return encoder.apply(v, X, LENGTHS), encoder.apply(v, X[1:2, :3], LENGTHS[1:2])

    (outputs, state), (alone, alone_state) = batch_and_alone(variables)
    want, want_state = numpy_encoder(
        cell, reset_after, variables["params"], np.asarray(X), LENGTHS, num_layers
    )
    # numpy runs each row alone at its own length: equal outputs (zero at padding) and states
    np.testing.assert_allclose(outputs, want, atol=2e-5)
    for b in range(B):
        row_state = jax.tree.map(lambda a, b=b: a[b], state)
        assert_state_close(row_state, tuple(map(tuple, want_state[b])), atol=2e-5)
    # the encoder itself gives a row the same results alone as inside the padded batch
    np.testing.assert_allclose(alone[0], outputs[1, :3], atol=1e-6)
    assert_state_close(alone_state, jax.tree.map(lambda a: a[1:2], state), atol=1e-6)


def test_zero_length_row_keeps_the_initial_state_and_outputs_zeros():
    encoder = RecurrentEncoder(cell="lstm", hidden_size=H, bidirectional=True)
    variables = noisy_init(encoder)
    start = jax.tree.map(lambda a: a + 0.5, encoder.initial_state(B))
    outputs, state = apply(encoder, variables, X, LENGTHS, initial_state=start)
    assert not np.any(outputs[2])
    assert_state_close(jax.tree.map(lambda a: a[2], state), jax.tree.map(lambda a: a[2], start))


def test_bidirectional_is_forward_features_then_backward_within_length():
    bi = RecurrentEncoder(cell="gru", hidden_size=H, bidirectional=True)
    uni = RecurrentEncoder(cell="gru", hidden_size=H)
    variables = noisy_init(bi)
    direction = lambda d: jax.tree.map(lambda a: a[d : d + 1], variables)
    outputs, state = apply(bi, variables, X, LENGTHS)
    forward, forward_state = apply(uni, direction(0), X, LENGTHS)
    rev = reverse_index(LENGTHS, T)[..., None]
    backward, backward_state = apply(uni, direction(1), jnp.take_along_axis(X, rev, 1), LENGTHS)
    np.testing.assert_allclose(outputs[..., :H], forward, atol=1e-6)
    np.testing.assert_allclose(outputs[..., H:], jnp.take_along_axis(backward, rev, 1), atol=1e-6)
    assert_state_close(state[0][0], forward_state[0][0], atol=1e-6)
    assert_state_close(state[0][1], backward_state[0][0], atol=1e-6)
    # the backward final state is its output at the first token
    np.testing.assert_allclose(state[0][1], outputs[:, 0, H:], atol=1e-6)


VARIANTS = [
    {"projection": "sequence"},
    {"projection": "chunk", "chunk_size": 4},  # T=6: a partial last chunk
    {"projection": "chunk"},  # auto chunk size
    {"unroll": 4},
]


@pytest.mark.parametrize(("cell", "reset_after"), CELLS, ids=CELL_IDS)
def test_projection_modes_and_unroll_agree(cell, reset_after):
    base = RecurrentEncoder(cell=cell, hidden_size=H, bidirectional=True, reset_after=reset_after)
    variables = noisy_init(base)
    run = jax.jit(lambda v: [base.clone(**kw).apply(v, X, LENGTHS) for kw in [{}, *VARIANTS]])
    want, *variants = run(variables)
    for kwargs, got in zip(VARIANTS, variants, strict=True):
        assert_state_close(got, want, rtol=1e-5, atol=1e-6, err_msg=str(kwargs))


def test_projection_modes_have_equal_gradients():
    base = RecurrentEncoder(cell="lstm", hidden_size=H, bidirectional=True)
    variables = noisy_init(base)
    loss = lambda v, enc: jnp.sum(enc.apply(v, X, LENGTHS)[0] ** 2)
    grads = jax.jit(lambda v: [jax.grad(loss)(v, base.clone(**kw)) for kw in [{}, VARIANTS[1]]])(
        variables
    )
    for grad in grads[1:]:
        assert_state_close(grad, grads[0], rtol=1e-4, atol=1e-6)


def test_bfloat16_compute_is_close_to_float32_with_float32_params():
    f32 = RecurrentEncoder(cell="lstm", hidden_size=H, bidirectional=True, num_layers=2)
    bf16 = f32.clone(dtype=jnp.bfloat16)
    shapes = jax.eval_shape(bf16.init, jax.random.key(0), X, LENGTHS)
    assert {a.dtype for a in jax.tree.leaves(shapes)} == {jnp.dtype(jnp.float32)}
    variables = noisy_init(f32)
    low, low_state = apply(bf16, variables, X, LENGTHS)
    high, _ = apply(f32, variables, X, LENGTHS)
    assert low.dtype == jnp.bfloat16 and low_state[0][0][0].dtype == jnp.bfloat16
    rel = jnp.linalg.norm(low.astype(jnp.float32) - high) / jnp.linalg.norm(high)
    assert rel < 1e-2


def test_gradients_are_finite_with_empty_rows():
    encoder = RecurrentEncoder(cell="gru", hidden_size=H, bidirectional=True)
    variables = noisy_init(encoder)

    def loss(v, x):
        outputs, state = encoder.apply(v, x, LENGTHS)
        return jnp.sum(outputs**2) + jnp.sum(state[0][1] ** 2)

    grads = jax.jit(jax.grad(loss, argnums=(0, 1)))(variables, X)
    assert all(bool(jnp.isfinite(g).all()) for g in jax.tree.leaves(grads))
    # padded inputs cannot influence anything
    assert not np.any(grads[1][1, 3:]) and not np.any(grads[1][2])


def test_jitted_encoder_compiles_once_per_input_shape():
    encoder = RecurrentEncoder(cell="lstm", hidden_size=H)
    variables = noisy_init(encoder)
    traces = []

    @jax.jit
    def run(v, x, lengths):
        traces.append(x.shape)
        return encoder.apply(v, x, lengths)

    run(variables, X, LENGTHS)
    run(variables, X + 1.0, jnp.array([1, 2, 3], jnp.int32))
    assert traces == [(B, T, E)]
    run(variables, X[:, :4], jnp.array([1, 2, 3], jnp.int32))
    assert traces == [(B, T, E), (B, 4, E)]


def test_traced_lengths_outside_range_are_clipped():
    encoder = RecurrentEncoder(cell="lstm", hidden_size=H)
    variables = noisy_init(encoder)
    clipped = apply(encoder, variables, X, jnp.array([9, 3, -2], jnp.int32))
    want = apply(encoder, variables, X, jnp.array([T, 3, 0], jnp.int32))
    assert_state_close(clipped, want)


def test_dropout_needs_rng_masks_and_keeps_padding_zero():
    encoder = RecurrentEncoder(
        cell="rnn", hidden_size=H, num_layers=2, dropout=0.5, recurrent_dropout=0.5
    )
    variables = noisy_init(encoder)
    clean, _ = apply(encoder, variables, X, LENGTHS)
    rngs = lambda seed: {"dropout": jax.random.key(seed)}
    noisy, _ = apply(encoder, variables, X, LENGTHS, deterministic=False, rngs=rngs(1))
    again, _ = apply(encoder, variables, X, LENGTHS, deterministic=False, rngs=rngs(1))
    other, _ = apply(encoder, variables, X, LENGTHS, deterministic=False, rngs=rngs(2))
    np.testing.assert_array_equal(noisy, again)
    assert not np.allclose(noisy, clean) and not np.allclose(noisy, other)
    assert not np.any(noisy[1, 3:]) and not np.any(noisy[2])
    with pytest.raises(Exception, match="dropout"):
        encoder.apply(variables, X, LENGTHS, deterministic=False)


def test_parameters_have_keras_shapes():
    encoder = RecurrentEncoder(cell="gru", hidden_size=H, bidirectional=True, reset_after=False)
    params = jax.eval_shape(encoder.init, jax.random.key(0), X, LENGTHS)["params"]["layer_0"]
    shapes = jax.tree.map(jnp.shape, params)
    assert shapes == {
        "kernel": (2, E, 3 * H),
        "recurrent_kernel": (2, H, 3 * H),
        "bias": (2, 3 * H),
    }


def test_initial_state_threads_through_split_sequences():
    encoder = RecurrentEncoder(cell="lstm", hidden_size=H, num_layers=2)
    variables = noisy_init(encoder)
    full = jnp.full((B,), 4, jnp.int32)
    whole, whole_state = apply(encoder, variables, X[:, :4], full)
    first, state = apply(encoder, variables, X[:, :2], full - 2)
    second, state = apply(encoder, variables, X[:, 2:4], full - 2, initial_state=state)
    np.testing.assert_allclose(jnp.concatenate([first, second], 1), whole, atol=1e-6)
    assert_state_close(state, whole_state, atol=1e-6)
    assert hidden("lstm", state[1][0]).shape == (B, H)


@pytest.mark.parametrize(
    ("kwargs", "x", "lengths", "message"),
    [
        ({}, X[0], LENGTHS, r"x must be float\[batch, time, features\].*\(6, 5\)"),
        ({}, X, LENGTHS[:2], r"lengths must be int\[batch\] = int\[3\]"),
        ({}, X, LENGTHS.astype(jnp.float32), r"lengths must be int\[batch\]"),
        ({}, X, jnp.array([7, 1, 1]), r"lengths must lie in \[0, 6\].*max 7"),
        ({}, X, jnp.array([-1, 1, 1]), r"lengths must lie in \[0, 6\].*min -1"),
        ({"cell": "lstmm"}, X, LENGTHS, r"cell='lstmm' .*expected one of"),
        ({"projection": "hoist"}, X, LENGTHS, r"projection='hoist'; expected one of"),
        ({"recurrent_dropout": 1.0}, X, LENGTHS, r"recurrent_dropout must lie in \[0, 1\)"),
    ],
)
def test_bad_input_names_the_argument(kwargs, x, lengths, message):
    encoder = RecurrentEncoder(hidden_size=H, **kwargs)
    with pytest.raises(ValueError, match=message) as error:
        encoder.init(jax.random.key(0), x, lengths)
    if kwargs:
        assert isinstance(error.value, ConfigError)


def scans(jaxpr) -> list[tuple[int, int]]:
    """(length, unroll) of every scan in ``jaxpr``, outer before nested."""
    found = []

    def walk(j):
        for eqn in j.eqns:
            if eqn.primitive.name == "scan":
                found.append((eqn.params["length"], eqn.params["unroll"]))
            for value in eqn.params.values():
                for sub in value if isinstance(value, (list, tuple)) else [value]:
                    if hasattr(sub, "eqns"):
                        walk(sub)
                    elif hasattr(getattr(sub, "jaxpr", None), "eqns"):
                        walk(sub.jaxpr)

    walk(jaxpr.jaxpr)
    return found


@pytest.mark.parametrize(
    ("kwargs", "want"),
    [
        ({"unroll": 3}, [(T, 3)]),
        ({"num_layers": 2}, [(T, 1), (T, 1)]),
        ({"projection": "sequence", "unroll": 2}, [(T, 2)]),
        ({"projection": "chunk", "chunk_size": 4, "unroll": 2}, [(2, 1), (4, 2)]),
    ],
)
def test_both_directions_share_one_scan_and_unroll_is_passed_through(kwargs, want):
    encoder = RecurrentEncoder(cell="lstm", hidden_size=H, bidirectional=True, **kwargs)
    variables = noisy_init(encoder)
    jaxpr = jax.make_jaxpr(lambda v: encoder.apply(v, X, LENGTHS))(variables)
    # one sequential scan over time per layer serves forward and backward (chunk: blocks of
    # 4 steps outside, the steps of a block inside, unrolled)
    assert scans(jaxpr) == want


def test_public_defaults_and_output_shapes_are_those_of_the_issue():
    encoder = RecurrentEncoder()
    defaults = {
        "cell": "lstm",
        "hidden_size": 128,
        "num_layers": 1,
        "bidirectional": False,
        "dropout": 0.0,
        "unroll": 1,
        "dtype": jnp.float32,
    }
    assert {name: getattr(encoder, name) for name in defaults} == defaults
    for bidirectional, width in [(False, 128), (True, 256)]:
        enc = encoder.clone(bidirectional=bidirectional, num_layers=2)
        variables = jax.eval_shape(enc.init, jax.random.key(0), X, LENGTHS)
        outputs, state = jax.eval_shape(lambda v, e=enc: e.apply(v, X, LENGTHS), variables)
        assert outputs.shape == (B, T, width) and outputs.dtype == jnp.float32
        assert len(state) == 2 and all(len(layer) == 1 + bidirectional for layer in state)
        assert {leaf.shape for leaf in jax.tree.leaves(state)} == {(B, 128)}
