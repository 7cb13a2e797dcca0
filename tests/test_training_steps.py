"""The per-device train/eval steps: exact against a plain-JAX reference, under shard_map and
pmap, with padding rows counting zero, and deterministic in the seed."""

from __future__ import annotations

import functools
import types

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from rnnjax.configs import classification_config
from rnnjax.models import build_model
from rnnjax.training.forward import batch_sums, init_params
from rnnjax.training.optimizer import make_optimizer
from rnnjax.training.parallel import global_batch, make_mesh, replicated
from rnnjax.training.state import TrainState
from rnnjax.training.steps import compile_eval_step, compile_train_step, train_step

VOCAB, CLASSES, T = 40, 3, 6


@pytest.fixture(scope="module")
def setup():
    config = classification_config()
    config.model.update(embed_dim=8, hidden_size=8, dense_sizes=(8,))
    config.model.update(head_dropout=0.0, dense_dropout=0.0)
    model = build_model(config.model, vocab_size=VOCAB, num_classes=CLASSES)
    tx = make_optimizer(config.train, total_steps=10)
    mesh = make_mesh(jax.devices()[:1])

    @functools.partial(jax.jit, out_shardings=replicated(mesh))
    def init(seed):
        params_rng, step_rng = jax.random.split(jax.random.PRNGKey(seed))
        return TrainState.create(init_params(model, "classifier", T, params_rng), tx, step_rng)

    return types.SimpleNamespace(
        model=model, tx=tx, mesh=mesh, init=init, step=compile_train_step(model, mesh)
    )


def _batch(rows=8, seed=0, padded=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, T + 1, size=rows).astype(np.int32)
    tokens = rng.integers(2, VOCAB, size=(rows, T)).astype(np.int32)
    tokens[np.arange(T)[None, :] >= lengths[:, None]] = 0
    weights = np.ones(rows, np.float32)
    weights[rows - padded :] = 0.0
    labels = rng.integers(0, CLASSES, size=rows).astype(np.int32)
    return {"tokens": tokens, "lengths": lengths, "labels": labels, "weights": weights}


def test_train_step_equals_plain_gradient_of_the_weighted_mean_loss(setup):
    model, tx, mesh, init, step = setup.model, setup.tx, setup.mesh, setup.init, setup.step
    batch = _batch(padded=3)
    state = init(0)

    def mean_loss(params):
        sums = batch_sums(model, params, jax.tree.map(jnp.asarray, batch), deterministic=True)
        return sums["loss"] / sums["weight"]

    grads = jax.jit(jax.grad(mean_loss))(state.params)
    updates, _ = tx.update(grads, tx.init(state.params), state.params)
    expected = optax.apply_updates(state.params, updates)

    new_state, sums = step(init(0), global_batch(batch, mesh))
    assert int(new_state.step) == 1
    assert float(sums["weight"]) == 5.0
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7),
        new_state.params,
        expected,
    )


def test_the_same_step_function_runs_under_pmap(setup):
    model, mesh, init, step = setup.model, setup.mesh, setup.init, setup.step
    batch = _batch()
    sharded_state, sharded_sums = step(init(0), global_batch(batch, mesh))
    pmapped = jax.pmap(
        functools.partial(train_step, model=model), axis_name="data", in_axes=(None, 0)
    )
    device_batch = jax.tree.map(lambda x: x[None], batch)
    pmap_state, pmap_sums = pmapped(init(0), device_batch)
    assert float(pmap_sums["loss"][0]) == pytest.approx(float(sharded_sums["loss"]), rel=1e-6)
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a[0], b, rtol=1e-6, atol=1e-7),
        pmap_state.params,
        sharded_state.params,
    )


def test_eval_step_ignores_padding_rows(setup):
    model, mesh, init = setup.model, setup.mesh, setup.init
    state = init(0)
    full = _batch(rows=8, seed=3)
    padded = {k: v.copy() for k, v in full.items()}
    padded["weights"][5:] = 0.0
    padded["tokens"][5:] = 0
    evaluate = compile_eval_step(model, mesh)
    head = {k: v[:5] for k, v in full.items()}
    sums_padded = evaluate(state.params, global_batch(padded, mesh))
    sums_head = jax.jit(functools.partial(batch_sums, model, deterministic=True))(
        state.params, jax.tree.map(jnp.asarray, head)
    )
    assert float(sums_padded["weight"]) == 5.0
    assert float(sums_padded["loss"]) == pytest.approx(float(sums_head["loss"]), rel=1e-5)
    assert float(sums_padded["tokens"]) == float(full["lengths"][:5].sum())


def test_same_seed_same_training_different_seed_differs(setup):
    mesh, init, step = setup.mesh, setup.init, setup.step

    def run(seed):
        state = init(seed)
        losses = []
        for i in range(3):
            state, sums = step(state, global_batch(_batch(seed=10 + i), mesh))
            losses.append(float(sums["loss"]))
        return losses, state

    (a, state_a), (b, state_b), (c, _) = run(0), run(0), run(1)
    assert a == b
    jax.tree.map(np.testing.assert_array_equal, state_a.params, state_b.params)
    assert a != c


def test_one_device_steps_compile_without_collectives(setup):
    """On a one-device mesh the reductions over ``data`` are identities: XLA would otherwise
    keep each as an all-reduce that copies every gradient (rnnjax.training.steps)."""
    batch = global_batch(_batch(), setup.mesh)
    state = setup.init(0)
    hlo = [
        setup.step.lower(state, batch).compile().as_text(),
        compile_eval_step(setup.model, setup.mesh).lower(state.params, batch).compile().as_text(),
    ]
    assert all("all-reduce" not in text for text in hlo)
