"""Row-wise embedding updates: lazy Adam against a numpy reference, ensembles member by member,
the real train step against the dense one, and the config switch."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from rnnjax.configs import classification_config
from rnnjax.errors import ConfigError
from rnnjax.models import build_model
from rnnjax.training.forward import init_params
from rnnjax.training.optimizer import make_optimizer, per_member
from rnnjax.training.parallel import global_batch, make_mesh
from rnnjax.training.row_updates import rowwise_update, uses_row_updates
from rnnjax.training.state import initial_state_fn
from rnnjax.training.steps import compile_train_step

V, E, LR, CLIP = 12, 3, 0.05, 0.5
B1, B2, EPS = 0.9, 0.999, 1e-8
TX = optax.chain(optax.clip_by_global_norm(CLIP), optax.adam(LR, B1, B2, EPS))
# rows each step's gradient touches: 4 is touched once and skipped after, 9 and 11 never
TOUCHED = [(1, 2, 4), (1, 2, 3), (2, 3, 5), (1, 5)]


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "embed": {"embedding": rng.normal(size=(V, E)).astype(np.float32)},
        "head": {"kernel": rng.normal(size=(E, 2)).astype(np.float32)},
    }


def _grads(step, touched, seed=0):
    rng = np.random.default_rng(100 + 10 * seed + step)
    table = np.zeros((V, E), np.float32)
    table[list(touched)] = rng.normal(size=(len(touched), E))
    head = rng.normal(size=(E, 2)).astype(np.float32)
    return {"embed": {"embedding": table}, "head": {"kernel": head}}


def _lazy_adam_reference(params, steps):
    """numpy: global-norm clipping, then Adam on the head and on the touched rows only (their
    moments alone advance; the bias correction uses the global step count)."""
    p = {k: {n: np.array(v, np.float64) for n, v in d.items()} for k, d in params.items()}
    m = {k: {n: np.zeros_like(v) for n, v in d.items()} for k, d in p.items()}
    s = {k: {n: np.zeros_like(v) for n, v in d.items()} for k, d in p.items()}
    for t, (grads, touched) in enumerate(steps, start=1):
        norm = np.sqrt(sum(np.sum(np.square(g)) for d in grads.values() for g in d.values()))
        scale = min(1.0, CLIP / norm)
        for key, name in (("embed", "embedding"), ("head", "kernel")):
            rows = list(touched) if key == "embed" else slice(None)
            g = np.asarray(grads[key][name], np.float64)[rows] * scale
            m[key][name][rows] = B1 * m[key][name][rows] + (1 - B1) * g
            s[key][name][rows] = B2 * s[key][name][rows] + (1 - B2) * g * g
            m_hat, s_hat = m[key][name][rows] / (1 - B1**t), s[key][name][rows] / (1 - B2**t)
            p[key][name][rows] -= LR * m_hat / (np.sqrt(s_hat) + EPS)
    return p, m


def test_rows_are_lazy_adam_and_untouched_rows_keep_params_and_moments():
    params, state = _params(), TX.init(_params())
    update = jax.jit(rowwise_update, static_argnums=(0, 4))
    steps = [(_grads(t, touched), touched) for t, touched in enumerate(TOUCHED)]
    for grads, _ in steps:
        params, state = update(TX, grads, state, params, 6)
    expected, moments = _lazy_adam_reference(_params(), steps)
    for key, name in (("embed", "embedding"), ("head", "kernel")):
        np.testing.assert_allclose(params[key][name], expected[key][name], rtol=1e-5, atol=1e-6)
    adam_state = state[1][0]
    np.testing.assert_allclose(adam_state.mu["embed"]["embedding"], moments["embed"]["embedding"],
                               rtol=1e-5, atol=1e-7)
    untouched = np.array([0, 6, 7, 8, 9, 10, 11])
    np.testing.assert_array_equal(params["embed"]["embedding"][untouched],
                                  _params()["embed"]["embedding"][untouched])
    assert int(adam_state.count) == len(TOUCHED)


def test_dense_adam_moves_a_skipped_row_and_rows_do_not():
    """The one difference from the dense update: row 4 (touched at step 0 only) keeps drifting
    under dense Adam's momentum; every row touched at every step agrees to float precision."""
    dense_params, dense_state = _params(), TX.init(_params())
    rows_params, rows_state = _params(), TX.init(_params())
    for t, touched in enumerate(TOUCHED[:2]):
        grads = _grads(t, touched)
        updates, dense_state = TX.update(grads, dense_state, dense_params)
        dense_params = optax.apply_updates(dense_params, updates)
        rows_params, rows_state = rowwise_update(TX, grads, rows_state, rows_params, 6)
    dense = np.asarray(dense_params["embed"]["embedding"])
    rows = np.asarray(rows_params["embed"]["embedding"])
    np.testing.assert_allclose(rows[[1, 2]], dense[[1, 2]], rtol=1e-6)
    assert not np.allclose(rows[4], dense[4])


def test_a_batch_that_can_touch_every_row_takes_the_dense_update():
    grads, params = _grads(0, range(V)), _params()
    updates, expected_state = TX.update(grads, TX.init(params), params)
    new_params, new_state = rowwise_update(TX, grads, TX.init(params), params, V)
    jax.tree.map(np.testing.assert_array_equal, new_params, optax.apply_updates(params, updates))
    jax.tree.map(np.testing.assert_array_equal, new_state, expected_state)


def test_each_ensemble_member_updates_its_own_touched_rows():
    """Members stacked on axis 0 (per_member optimizer) touching different rows: each ends
    where it would alone, including clipping by its own norm."""
    touched = [[(1, 2), (2, 3)], [(5, 6, 7), (5,)]]
    members = [_params(seed) for seed in range(2)]
    stack = lambda trees: jax.tree.map(lambda *x: np.stack(x), *trees)
    tx_k = per_member(TX)
    params, state = stack(members), tx_k.init(stack(members))
    for t in range(2):
        grads = stack([_grads(t, touched[k][t], seed=k) for k in range(2)])
        params, state = rowwise_update(tx_k, grads, state, params, 4)
    for k in range(2):
        alone, alone_state = members[k], TX.init(members[k])
        for t in range(2):
            alone, alone_state = rowwise_update(
                TX, _grads(t, touched[k][t], seed=k), alone_state, alone, 4
            )
        jax.tree.map(functools.partial(np.testing.assert_allclose, rtol=1e-6),
                     jax.tree.map(lambda x, k=k: x[k], params), alone)


def _classifier_setup(embedding_updates):
    config = classification_config()
    config.model.update(embed_dim=8, hidden_size=8, dense_sizes=(), head_dropout=0.0)
    config.train.embedding_updates = embedding_updates
    model = build_model(config.model, vocab_size=50, num_classes=3)
    return config, model


def _token_batch(low, high, seed):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(low, high, size=(4, 5)).astype(np.int32)
    return {"tokens": tokens, "lengths": np.full(4, 5, np.int32),
            "labels": rng.integers(0, 3, size=4).astype(np.int32),
            "weights": np.ones(4, np.float32)}


def test_the_train_step_with_rows_matches_dense_on_rows_every_step_touches():
    """The compiled train step (shard_map, 20 tokens a batch, V=50): the first step equals the
    dense one everywhere; after a second batch of other tokens the first batch's rows stay put
    with rows and drift with dense, and the rest of the model agrees."""
    mesh = make_mesh(jax.devices()[:1])
    first, second = _token_batch(2, 20, seed=0), _token_batch(30, 50, seed=1)
    states = {}
    for mode in ("dense", "rows"):
        config, model = _classifier_setup(mode)
        state = initial_state_fn(config, model, "classifier", 5, total_steps=4)()
        assert state.row_updates == (mode == "rows")
        step = compile_train_step(model, mesh)
        state, _ = step(state, global_batch(first, mesh))
        after_first = jax.tree.map(np.asarray, state.params)
        state, _ = step(state, global_batch(second, mesh))
        states[mode] = (after_first, jax.tree.map(np.asarray, state.params))
    (dense_first, dense_second), (rows_first, rows_second) = states["dense"], states["rows"]
    jax.tree.map(functools.partial(np.testing.assert_allclose, rtol=1e-5, atol=1e-7),
                 rows_first, dense_first)
    first_rows = np.unique(first["tokens"])
    table = lambda p: p["embed"]["embedding"]
    np.testing.assert_array_equal(table(rows_second)[first_rows], table(rows_first)[first_rows])
    assert not np.allclose(table(dense_second)[first_rows], table(dense_first)[first_rows])
    second_rows = np.setdiff1d(np.unique(second["tokens"]), first_rows)
    np.testing.assert_allclose(table(rows_second)[second_rows], table(dense_second)[second_rows],
                               rtol=1e-5, atol=1e-7)


def test_an_unknown_embedding_updates_mode_is_a_config_error():
    config = classification_config()
    config.train.embedding_updates = "sparse"
    with pytest.raises(ConfigError, match=r"train\.embedding_updates 'sparse'; valid: dense, rows"):
        uses_row_updates(config.train)
    assert not uses_row_updates(classification_config().train)


def test_make_optimizer_chains_work_on_the_row_view():
    """ULMFiT's per-group optimizers (the embedding at lr / 2.6^2) label the view by path."""
    config = classification_config()
    config.model.update(embed_dim=4, hidden_size=4, dense_sizes=())
    config.train.update(discriminative_decay=2.6)
    model = build_model(config.model, vocab_size=30, num_classes=2)
    params = init_params(model, "classifier", 3, jax.random.PRNGKey(0))
    tx = make_optimizer(config.train, 10, steps_per_epoch=1,
                        example_params=lambda: jax.eval_shape(lambda: params))
    grads = jax.tree.map(jnp.ones_like, params)
    grads["embed"]["embedding"] = jnp.zeros((30, 4)).at[jnp.array([3, 4])].set(1.0)
    dense_updates, _ = tx.update(grads, tx.init(params), params)
    new_params, _ = rowwise_update(tx, grads, tx.init(params), params, 6)
    jax.tree.map(functools.partial(np.testing.assert_allclose, rtol=1e-6),
                 new_params, optax.apply_updates(params, dense_updates))
