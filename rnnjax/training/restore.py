"""Restoring a trained model from its workdir alone (what evaluate, predict and sample use)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import flax.linen as nn
import jax
import ml_collections
import orbax.checkpoint as ocp

from rnnjax.errors import CheckpointError
from rnnjax.training import checkpointing
from rnnjax.training import workdir as files
from rnnjax.training.parallel import make_mesh
from rnnjax.training.state import TrainState, initial_state_fn

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Restored:
    """A trained model ready for inference.

    Attributes:
      config: the run's config (from config.json).
      model: the Flax module.
      params: its parameters (on the first device).
      vocab: rnnjax.text.Vocabulary.
      labels: rnnjax.text.LabelEncoder, or None for language models.
      step: the optimizer step of the restored checkpoint.
    """

    config: ml_collections.ConfigDict
    model: nn.Module
    params: Any
    vocab: Any
    labels: Any | None
    step: int


def restore(workdir: str | Path, checkpoint: str | int = "best") -> Restored:
    """Loads config, vocabulary, labels and the ``checkpoint`` params of the run in ``workdir``.

    Args:
      workdir: a directory written by ``python -m rnnjax.train``.
      checkpoint: "best" (lowest validation loss), "latest", or a step number. For "best" and
        "latest", an unreadable step falls back to the newest readable one (with a warning).

    Raises:
      CheckpointError: no config, no checkpoint, an unknown or unreadable requested step.
    """
    from rnnjax.models import build_model
    from rnnjax.text import LabelEncoder, Vocabulary

    workdir = Path(workdir)
    config = files.read_config(workdir)
    vocab = Vocabulary.load(workdir / files.VOCAB_FILE)
    labels_path = workdir / files.LABELS_FILE
    labels = LabelEncoder.load(labels_path) if config.model.kind == "classifier" else None
    num_classes = None if labels is None else len(labels.names)
    model = build_model(config.model, vocab_size=len(vocab), num_classes=num_classes)

    directory = workdir / files.CHECKPOINT_DIR
    manager = _restoring_manager(directory, workdir)
    try:
        kind = config.model.kind
        seq_len = config.data.seq_len if kind == "lm" else config.data.max_len
        init = initial_state_fn(config, model, kind, seq_len, total_steps=1)  # shapes only
        target = checkpointing.abstract_state(init, make_mesh(jax.devices()[:1]))
        state = _restore_requested(manager, target, checkpoint, directory)
    finally:
        manager.close()
    return Restored(config, model, state.params, vocab, labels, int(state.step))


def _restoring_manager(directory: Path, workdir: Path) -> ocp.CheckpointManager:
    manager = checkpointing.checkpoint_manager(directory, writable=False) if (
        directory.is_dir()
    ) else None
    if manager is None or not manager.all_steps():
        raise CheckpointError(
            f"no checkpoint in {directory}; train one first with "
            f"`python -m rnnjax.train --config configs/<experiment>.py --workdir {workdir}`"
        )
    return manager


def _restore_requested(
    manager: ocp.CheckpointManager, target: TrainState, checkpoint: str | int, directory: Path
) -> TrainState:
    steps = sorted(manager.all_steps())
    if checkpoint in ("best", "latest"):
        first = manager.best_step() if checkpoint == "best" else steps[-1]
        candidates = [first] + [step for step in reversed(steps) if step != first]
        for step in candidates:
            try:
                return checkpointing.restore_step(manager, step, target)[0]
            except Exception as error:  # an unreadable step: fall back to the newest other one
                log.warning(
                    "checkpoint step %d is unreadable (%s); trying an older one",
                    step,
                    checkpointing.describe(error),
                )
        raise CheckpointError(
            f"every checkpoint in {directory} is unreadable (steps {candidates}); "
            "train again in a new --workdir"
        )
    try:
        step = int(checkpoint)
    except ValueError:
        raise CheckpointError(
            f"--checkpoint must be best, latest or a step number, not {checkpoint!r}"
        ) from None
    if step not in steps:
        raise CheckpointError(f"no checkpoint step {step} in {directory}; saved steps: {steps}")
    try:
        return checkpointing.restore_step(manager, step, target)[0]
    except Exception as error:
        raise CheckpointError(
            f"checkpoint step {step} in {directory} is unreadable "
            f"({checkpointing.describe(error)}); "
            f"choose another of {steps}"
        ) from None
