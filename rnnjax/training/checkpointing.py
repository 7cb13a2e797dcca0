"""Orbax checkpoints of a run: latest N for resuming plus the best by validation loss.

A step directory holds two items: ``state`` (the TrainState arrays) and ``meta`` (JSON: epoch,
position in the epoch, early-stopping state), so a resumed run continues exactly where the saved
one stood. Steps saved with ``metrics={"val_loss": ...}`` compete for "best".
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import orbax.checkpoint as ocp
from jax.sharding import Mesh
from orbax.checkpoint import checkpoint_managers as policies

from rnnjax.errors import CheckpointError
from rnnjax.training.parallel import replicated
from rnnjax.training.state import TrainState

STATE, META = "state", "meta"
BEST_METRIC = "val_loss"

log = logging.getLogger(__name__)


def checkpoint_manager(
    directory: Path, *, keep: int = 2, writable: bool = True
) -> ocp.CheckpointManager:
    """Async manager keeping the latest ``keep`` steps and the lowest-``val_loss`` step.

    ``writable=False`` opens an existing directory for restoring only (no creation, no clean-up).

    ``best_fn`` alone would let the best policy delete the newest steps, so preservation is the
    union of ``LatestN(keep)`` and ``BestN(n=1)`` (steps saved without metrics never count as best).
    """
    preservation = policies.AnyPreservationPolicy(
        [
            policies.LatestN(n=max(int(keep), 1)),
            policies.BestN(
                get_metric_fn=_best_metric,
                reverse=True,  # sorted descending by loss: the last (kept) one is the lowest
                n=1,
                keep_checkpoints_without_metrics=False,
            ),
        ]
    )
    options = ocp.CheckpointManagerOptions(
        best_fn=_best_metric,
        best_mode="min",
        preservation_policy=preservation,
        enable_async_checkpointing=writable,
        create=writable,
        cleanup_tmp_directories=writable,
    )
    return ocp.CheckpointManager(directory.absolute(), item_names=(STATE, META), options=options)


def _best_metric(metrics: dict[str, float]) -> float:
    return float(metrics[BEST_METRIC])


def save(
    manager: ocp.CheckpointManager,
    state: TrainState,
    meta: dict[str, Any],
    val_loss: float | None = None,
) -> None:
    """Starts an async save of ``state`` and ``meta`` at ``state.step`` (replaces nothing)."""
    step = int(jax.device_get(state.step))
    if step in manager.all_steps():
        return  # this exact state is already saved (e.g. epoch end right after a periodic save)
    metrics = None if val_loss is None else {BEST_METRIC: float(val_loss)}
    manager.save(
        step,
        args=ocp.args.Composite(
            **{STATE: ocp.args.StandardSave(_arrays(state)), META: ocp.args.JsonSave(meta)}
        ),
        metrics=metrics,
        force=True,
    )


def _arrays(state: TrainState) -> dict[str, Any]:
    return {"step": state.step, "params": state.params, "opt_state": state.opt_state,
            "rng": state.rng}


def abstract_state(init: Callable[[], TrainState], mesh: Mesh) -> TrainState:
    """Shapes, dtypes and (replicated) shardings of ``init()``'s state, computing nothing."""
    sharding = replicated(mesh)
    shapes = jax.eval_shape(init)
    return jax.tree.map(
        lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=sharding), shapes
    )


class UnreadableCheckpointError(Exception):
    """A checkpoint step failed to restore; the message describes the underlying error."""


def _restore_quietly(read: Callable[[], Any], settle_seconds: float = 0.5) -> Any:
    """Returns ``read()`` with stderr (fd 2) muted, and muted a moment longer if it fails.

    When one array of a broken checkpoint fails, TensorStore still completes the other reads,
    whose callbacks then print ``RuntimeError: Event loop is closed`` from C++ threads, and the
    abandoned read coroutines, once garbage, print ``Exception ignored in: <coroutine ...>``
    tracebacks whenever they are finalized (at exit, say): noise after a failure that is
    already handled. So the failure is kept as text only (its traceback would keep those
    coroutines alive), and they are collected before stderr comes back.

    Raises:
      UnreadableCheckpointError: ``read`` raised; the message describes its error.
    """
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        try:
            return read()
        except Exception as error:
            failure = describe(error)
        time.sleep(settle_seconds)
        gc.collect()
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    raise UnreadableCheckpointError(failure)


def restore_step(
    manager: ocp.CheckpointManager, step: int, target: TrainState
) -> tuple[TrainState, dict[str, Any]]:
    """Restores step ``step`` into the structure of the abstract ``target``.

    Raises:
      UnreadableCheckpointError: the step is truncated or corrupt.
    """
    args = ocp.args.Composite(
        **{STATE: ocp.args.StandardRestore(_arrays(target)), META: ocp.args.JsonRestore()}
    )
    restored = _restore_quietly(lambda: manager.restore(step, args=args))
    return target.replace(**restored[STATE]), dict(restored[META])


def restore_latest_good(
    manager: ocp.CheckpointManager, target: TrainState, *, quarantine: Path | None = None
) -> tuple[TrainState, dict[str, Any]] | None:
    """The newest step that restores; broken newer steps are logged and moved to ``quarantine``.

    Returns None when the manager holds no step. Raises CheckpointError naming the broken steps
    when none restores.
    """
    broken = []
    for step in sorted(manager.all_steps(), reverse=True):
        try:
            restored = restore_step(manager, step, target)
        except Exception as error:
            log.warning("checkpoint step %d is unreadable (%s); trying an older one", step,
                        describe(error))
            broken.append(step)
            continue
        if broken and quarantine is not None:
            move_aside(manager, broken, quarantine)
        return restored
    if broken:
        raise CheckpointError(
            f"every checkpoint in {manager.directory} is unreadable (steps {broken}); "
            "delete that directory to start over"
        )
    return None


def describe(error: Exception) -> str:
    """A short description of a restore failure (TensorStore messages run to kilobytes)."""
    if isinstance(error, UnreadableCheckpointError):
        return str(error)
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text[:160]}"


def move_aside(manager: ocp.CheckpointManager, steps: list[int], quarantine: Path) -> None:
    """Moves broken step directories to ``quarantine``, out of the manager, so that restores
    skip them and training can save those steps anew."""
    if jax.process_index() == 0:
        quarantine.mkdir(parents=True, exist_ok=True)
        for step in steps:
            target = quarantine / str(step)
            shutil.rmtree(target, ignore_errors=True)
            shutil.move(str(Path(manager.directory) / str(step)), target)
            log.warning("moved broken checkpoint step %d to %s", step, target)
    manager.reload()
