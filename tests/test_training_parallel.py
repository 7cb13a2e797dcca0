"""Data parallelism on 4 simulated devices: the same result as 1 device and as jax.pmap.

Runs in a subprocess, as XLA fixes the CPU device count at start-up (and so that a hang
times out as a failure).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from train_helpers import REPO_ROOT, cli_env

pytestmark = pytest.mark.slow  # subprocess end-to-end runs

SCRIPT = r"""
import functools, json
import jax, numpy as np
from rnnjax.configs import classification_config
from rnnjax.errors import ConfigError
from rnnjax.models import build_model
from rnnjax.training.forward import init_params
from rnnjax.training.optimizer import make_optimizer
from rnnjax.training.parallel import check_batch_size, global_batch, make_mesh, replicated_init
from rnnjax.training.state import TrainState
from rnnjax.training.steps import compile_train_step, train_step

assert jax.device_count() == 4
config = classification_config()
config.model.update(embed_dim=8, hidden_size=8, dense_sizes=(8,))
config.model.update(head_dropout=0.0, dense_dropout=0.0)
model = build_model(config.model, vocab_size=30, num_classes=4)
tx = make_optimizer(config.train, total_steps=10)

def init():
    params_rng, step_rng = jax.random.split(jax.random.PRNGKey(0))
    return TrainState.create(init_params(model, "classifier", 5, params_rng), tx, step_rng)

def batches():
    rng = np.random.default_rng(0)
    for _ in range(3):
        lengths = rng.integers(0, 6, size=8).astype(np.int32)  # includes empty rows
        tokens = rng.integers(2, 30, size=(8, 5)).astype(np.int32)
        tokens[np.arange(5)[None] >= lengths[:, None]] = 0
        weights = np.ones(8, np.float32)
        weights[-1] = 0.0  # an eval-style padding row: must count zero on every layout
        yield {"tokens": tokens, "lengths": lengths, "weights": weights,
               "labels": rng.integers(0, 4, size=8).astype(np.int32)}

def on_mesh(mesh):
    state = replicated_init(init, mesh)
    step = compile_train_step(model, mesh)
    losses = []
    for batch in batches():
        state, sums = step(state, global_batch(batch, mesh))
        losses.append(float(sums["loss"]) / float(sums["weight"]))
    return losses, state.params

def with_pmap():
    state = jax.jit(init)()
    step = jax.pmap(functools.partial(train_step, model=model), axis_name="data",
                    in_axes=(None, 0))
    losses = []
    for batch in batches():
        shards = jax.tree.map(lambda x: x.reshape(4, 2, *x.shape[1:]), batch)
        state, sums = step(state, shards)
        state = jax.tree.map(lambda x: x[0], state)
        losses.append(float(sums["loss"][0]) / float(sums["weight"][0]))
    return losses, state.params

flat = lambda params: [np.asarray(x).ravel().tolist() for x in jax.tree.leaves(params)]
results = {}
for name, (losses, params) in {
    "four": on_mesh(make_mesh()), "one": on_mesh(make_mesh(jax.devices()[:1])),
    "pmap": with_pmap(),
}.items():
    results[name] = {"losses": losses, "params": flat(params)}
# a bidirectional LSTM with H=64: its per-direction orthogonal init is a batched QR, which
# hung XLA:CPU when initialised on the 4 devices at once (rnnjax.training.parallel)
config.model.update(cell="lstm", bidirectional=True, embed_dim=64, hidden_size=64)
big = build_model(config.model, vocab_size=30, num_classes=4)
big_init = lambda: init_params(big, "classifier", 5, jax.random.PRNGKey(0))
on_four = replicated_init(big_init, make_mesh())
results["init"] = {
    "devices": sorted(d.id for d in jax.tree.leaves(on_four)[0].sharding.device_set),
    "equal": all(bool((np.asarray(a.addressable_data(3)) == np.asarray(b)).all())
                 for a, b in zip(jax.tree.leaves(on_four), jax.tree.leaves(jax.jit(big_init)()))),
}
try:
    check_batch_size(18, make_mesh(), "train.batch_size")
except ConfigError as error:
    results["error"] = str(error)
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def results():
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, capture_output=True, text=True,
        env=cli_env(XLA_FLAGS="--xla_force_host_platform_device_count=4"), timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _assert_same(a, b):
    np.testing.assert_allclose(a["losses"], b["losses"], rtol=1e-5)
    for x, y in zip(a["params"], b["params"], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_four_devices_equal_one_device_on_the_same_global_batch(results):
    assert results["four"]["losses"][0] != results["four"]["losses"][-1]  # it did train
    _assert_same(results["four"], results["one"])


def test_the_same_step_under_pmap_equals_shard_map(results):
    _assert_same(results["pmap"], results["four"])


def test_initial_state_is_replicated_on_every_device_without_hanging(results):
    assert results["init"] == {"devices": [0, 1, 2, 3], "equal": True}


def test_batch_not_divisible_by_devices_names_both_numbers(results):
    assert "train.batch_size=18 is not divisible by the device count 4" in results["error"]
