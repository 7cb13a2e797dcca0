"""Orbax checkpointing of a TrainState: latest N + best kept, abstract restore, broken steps."""

from __future__ import annotations

import gc
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from rnnjax.errors import CheckpointError
from rnnjax.training import checkpointing
from rnnjax.training.parallel import make_mesh
from rnnjax.training.state import TrainState

TX = optax.adam(0.1)


def _init() -> TrainState:
    params = {"dense": {"kernel": jnp.ones((3, 2)), "bias": jnp.zeros((2,))}}
    return TrainState.create(params, TX, jax.random.PRNGKey(7))


def _trained(steps: int) -> TrainState:
    state = _init()
    for i in range(steps):
        grads = jax.tree.map(lambda p, i=i: jnp.full_like(p, 0.1 * (i + 1)), state.params)
        state = state.apply_gradients(grads)
    return state


def _save_all(directory, losses, keep=2):
    manager = checkpointing.checkpoint_manager(directory, keep=keep)
    for steps, loss in losses:
        meta = {"epoch": steps, "batches_in_epoch": 0}
        checkpointing.save(manager, _trained(steps), meta, val_loss=loss)
    manager.wait_until_finished()
    return manager


@pytest.fixture
def target():
    return checkpointing.abstract_state(_init, make_mesh(jax.devices()[:1]))


def test_keeps_latest_n_and_the_best_and_restores_exactly(tmp_path, target):
    manager = _save_all(tmp_path / "ckpt", [(1, 0.9), (2, 0.5), (3, 0.7), (4, 0.8), (5, 0.6)])
    assert sorted(manager.all_steps()) == [2, 4, 5]  # best (2) + latest two
    assert manager.best_step() == 2
    state, meta = checkpointing.restore_step(manager, 2, target)
    expected = _trained(2)
    assert meta == {"epoch": 2, "batches_in_epoch": 0}
    assert int(state.step) == 2
    assert isinstance(state.opt_state[0], optax.ScaleByAdamState)  # abstract target: real types
    jax.tree.map(np.testing.assert_array_equal, state.params, expected.params)
    jax.tree.map(np.testing.assert_array_equal, state.opt_state, expected.opt_state)
    np.testing.assert_array_equal(state.rng, expected.rng)
    manager.close()


def test_steps_without_metrics_never_evict_the_best(tmp_path, target):
    manager = checkpointing.checkpoint_manager(tmp_path / "ckpt", keep=1)
    checkpointing.save(manager, _trained(1), {}, val_loss=0.1)
    for steps in (2, 3, 4):
        checkpointing.save(manager, _trained(steps), {})
    manager.wait_until_finished()
    assert sorted(manager.all_steps()) == [1, 4]
    manager.close()


def _corrupt(step_dir):
    for path in step_dir.rglob("*"):
        if path.is_file() and "state" in path.parts and path.stat().st_size > 0:
            path.write_bytes(b"\0garbage")


def test_broken_latest_falls_back_to_previous_good_step(tmp_path, target):
    directory = tmp_path / "ckpt"
    _save_all(directory, [(1, 0.9), (2, 0.8), (3, 0.7)], keep=3).close()
    _corrupt(directory / "3")
    manager = checkpointing.checkpoint_manager(directory, keep=3)
    state, _ = checkpointing.restore_latest_good(
        manager, target, quarantine=tmp_path / "broken"
    )
    assert int(state.step) == 2
    assert sorted(manager.all_steps()) == [1, 2]
    assert (tmp_path / "broken" / "3").is_dir()
    manager.close()


def test_all_steps_broken_names_them(tmp_path, target):
    directory = tmp_path / "ckpt"
    _save_all(directory, [(1, 0.9), (2, 0.8)]).close()
    for step in (1, 2):
        _corrupt(directory / str(step))
    manager = checkpointing.checkpoint_manager(directory)
    with pytest.raises(CheckpointError, match=r"unreadable \(steps \[2, 1\]\)"):
        checkpointing.restore_latest_good(manager, target)
    manager.close()


def test_empty_directory_restores_nothing(tmp_path, target):
    manager = checkpointing.checkpoint_manager(tmp_path / "ckpt")
    assert checkpointing.restore_latest_good(manager, target) is None
    manager.close()


class _Leftover:
    """Like an abandoned read coroutine: in a reference cycle, prints when finalized."""

    def __init__(self):
        self.cycle = self

    def __del__(self):
        os.write(2, b"Exception ignored in: <coroutine object read>\n")


def _failing_read():
    leftover = _Leftover()  # reachable from the error's traceback, like orbax's pending reads
    raise OSError(f"unreadable {leftover is not None}")


def test_a_failed_read_leaves_nothing_to_print_later(capfd):
    with pytest.raises(checkpointing.UnreadableCheckpointError, match="OSError: unreadable"):
        checkpointing._restore_quietly(_failing_read, settle_seconds=0.0)
    gc.collect()  # as at exit: whatever is left now would print
    assert "Exception ignored" not in capfd.readouterr().err
