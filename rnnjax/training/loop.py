"""The fit loop: data-parallel steps, validation, early stopping, checkpoints, logs, resumption.

Run state lives in the checkpoint (TrainState arrays + JSON meta with the epoch, the position
in the epoch and the early-stopping state), so rerunning the same command after a crash, a
``kill -9`` or SIGTERM continues exactly where the last checkpoint stood.
"""

from __future__ import annotations

import dataclasses
import math
import signal
import sys
import time
from pathlib import Path

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from jax.experimental import multihost_utils
from tqdm import tqdm

from rnnjax.errors import UserError
from rnnjax.text import Vocabulary
from rnnjax.training import checkpointing, init_from
from rnnjax.training import workdir as files
from rnnjax.training.early_stopping import EarlyStopping
from rnnjax.training.evaluation import evaluate_batches
from rnnjax.training.losses import summarize
from rnnjax.training.parallel import (
    check_batch_size,
    fetch,
    global_batch,
    make_mesh,
    replicated,
    replicated_init,
)
from rnnjax.training.pretrain import init_from_dir, pretraining_config
from rnnjax.training.state import check_ensemble, initial_state_fn
from rnnjax.training.steps import compile_eval_step, compile_train_step
from rnnjax.training.summaries import SummaryWriter
from rnnjax.training.tasks import TaskData, load_task_data


class TrainingDivergedError(UserError, FloatingPointError):
    """The training or validation loss became NaN or infinite.

    Attributes:
      state_step: step of the (savable) state that gave the non-finite loss, None if unknown;
        for a training loss at step ``s`` the state after step ``s - 1``.
    """

    def __init__(self, message: str, state_step: int | None = None):
        super().__init__(message)
        self.state_step = state_step


@dataclasses.dataclass(frozen=True)
class FitResult:
    """How a run ended.

    Attributes:
      step: optimizer steps done.
      epoch: epochs completed.
      validation: last validation metrics (loss, accuracy[, perplexity]).
      stopped_early: early stopping ended the run.
      preempted: SIGTERM ended the run (a checkpoint was saved; rerun to resume).
    """

    step: int
    epoch: int
    validation: dict[str, float]
    stopped_early: bool = False
    preempted: bool = False


def model_for(config: ml_collections.ConfigDict, data: TaskData) -> nn.Module:
    """The Flax module of ``config.model`` sized for ``data``'s vocabulary and labels."""
    from rnnjax.models import build_model

    num_classes = None if data.labels is None else len(data.labels.names)
    return build_model(config.model, vocab_size=len(data.vocab), num_classes=num_classes)


class _Window:
    """Train metric sums of the steps since the last log, with a wall clock that starts at the
    window's first step: compilation, validation and saving before it are not train time.

    Each step's sums stay on the device until ``read``, which stacks them: no device work per
    step, and the step of a non-finite loss can be named.
    """

    def __init__(self):
        self.step_sums: list[dict[str, jax.Array]] = []
        self.first_step, self.start = 0, 0.0

    @property
    def steps(self) -> int:
        return len(self.step_sums)

    def add(self, sums: dict[str, jax.Array], step: int) -> None:
        """Adds the metric sums of optimizer step ``step`` (1-based)."""
        if not self.step_sums:  # the step was dispatched (compiled first, if it had to be)
            self.first_step, self.start = step, time.perf_counter()
        self.step_sums.append(sums)

    def read(self) -> dict[str, float] | None:
        """Mean loss/accuracy and tokens/s; raises TrainingDivergedError on NaN/inf loss."""
        if not self.step_sums:
            return None
        per_step = fetch(jax.tree.map(lambda *steps: jnp.stack(steps), *self.step_sums))
        losses = per_step["loss"].astype(np.float64)
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size:
            step = self.first_step + int(bad[0])
            raise TrainingDivergedError(
                f"the training loss became {losses[bad[0]]} at step {step}", state_step=step - 1
            )
        sums = {k: float(np.sum(v, dtype=np.float64)) for k, v in per_step.items()}
        metrics = summarize(sums)
        metrics["tokens_per_sec"] = sums["tokens"] / max(time.perf_counter() - self.start, 1e-9)
        return metrics

    def reset(self) -> None:
        self.__init__()


class _Preemption:
    """Remembers a SIGTERM so the loop can save and stop between steps.

    With several processes the flag is shared through a collective (all must stop at the same
    step), which syncs the hosts; that happens only every ``every`` steps.
    """

    def __init__(self, every: int):
        self.requested = False
        self.every = max(int(every), 1)
        self._previous = signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame) -> None:
        self.requested = True

    def check(self, step: int) -> bool:
        """True if any process received SIGTERM (checked every step on a single process)."""
        if jax.process_count() == 1:
            return self.requested
        if step % self.every:
            return False
        flags = multihost_utils.process_allgather(np.int32(self.requested))
        return bool(np.any(flags))

    def restore(self) -> None:
        signal.signal(signal.SIGTERM, self._previous)


def fit(config: ml_collections.ConfigDict, workdir: str | Path) -> FitResult:
    """Trains ``config`` in ``workdir`` to the end, resuming from its latest good checkpoint.

    A classifier with ``pretrain.enabled`` first trains (or reuses, or resumes) its language
    model in ``<workdir>/pretrain``; with that or ``train.init_from`` it starts from the language
    model's embedding, encoder and vocabulary (rnnjax.training.init_from). A resumed run
    continues from its own checkpoint and never reloads the language model.

    Raises:
      ConfigError: batch sizes that do not split over the devices, bad optimizer settings,
        an ensemble with a pretrained start.
      CheckpointError: ``workdir`` holds a run of a different config.
      TrainingDivergedError: NaN/inf loss (the last good checkpoint stays).
    """
    workdir = Path(workdir)
    t = config.train
    mesh = make_mesh()
    check_batch_size(t.batch_size, mesh, "train.batch_size")
    check_batch_size(t.eval_batch_size, mesh, "train.eval_batch_size")
    check_ensemble(config)  # before any pretraining starts
    lead = jax.process_index() == 0

    checkpoint_dir = workdir / files.CHECKPOINT_DIR
    if checkpoint_dir.exists():
        files.check_same_run(workdir, config)

    # --- pretraining: the language model the classifier starts from ----------------------
    init_dir = init_from_dir(config, workdir)
    vocab = None
    if init_dir is not None and checkpoint_dir.exists() and (workdir / files.VOCAB_FILE).exists():
        # the run started before (its language model was done): it keeps the vocabulary and,
        # restored below, the params it started with
        vocab = Vocabulary.load(workdir / files.VOCAB_FILE)
    elif init_dir is not None:
        if config.pretrain.enabled:
            pretrained = fit(pretraining_config(config), init_dir)  # reused once finished
            if pretrained.preempted:
                return pretrained
        vocab = init_from.read_vocabulary(init_dir)

    # --- data, model, state ---------------------------------------------------------------
    data = load_task_data(
        config,
        num_processes=jax.process_count(),
        process_index=jax.process_index(),
        vocab=vocab,
    )
    model = model_for(config, data)
    total_steps = data.steps_per_epoch * t.epochs
    init = initial_state_fn(
        config, model, data.kind, data.seq_len, total_steps, data.steps_per_epoch,
        vocab=data.vocab,
    )

    if lead:
        workdir.mkdir(parents=True, exist_ok=True)
        files.write_config(workdir, config)
        data.save(workdir)
    manager = checkpointing.checkpoint_manager(checkpoint_dir, keep=t.keep_checkpoints)
    try:
        restored = checkpointing.restore_latest_good(
            manager,
            checkpointing.abstract_state(init, mesh),
            quarantine=workdir / files.BROKEN_CHECKPOINT_DIR,
        )
    except BaseException:
        manager.close()
        raise
    if restored is None:
        state = replicated_init(init, mesh)
        if init_dir is not None:
            params = init_from.transplant(
                state.params, init_from.load_pretrained(init_dir, config), init_dir
            )
            params = jax.device_put(params, replicated(mesh))
            opt_state = jax.jit(state.tx.init, out_shardings=replicated(mesh))(params)
            state = state.replace(params=params, opt_state=opt_state)
        meta = {"epoch": 0, "batches_in_epoch": 0, "early_stopping": None, "validation": {}}
    else:
        state, meta = restored
    stopping = EarlyStopping(t.patience)
    if meta["early_stopping"] is not None:
        stopping = EarlyStopping.from_json(t.patience, meta["early_stopping"])
    step = int(fetch(state.step))
    if lead:
        files.truncate_metrics(workdir, step)
        if restored is not None:
            print(f"resuming from checkpoint step {step} in {checkpoint_dir}", file=sys.stderr)

    # --- loop ------------------------------------------------------------------------------
    train_step = compile_train_step(model, mesh, t.label_smoothing)
    eval_step = compile_eval_step(model, mesh)
    writer = SummaryWriter(workdir / files.TENSORBOARD_DIR) if lead else None
    preemption = _Preemption(every=t.log_every_steps)
    window = _Window()
    epoch, position = int(meta["epoch"]), int(meta["batches_in_epoch"])
    validation: dict[str, float] = dict(meta.get("validation") or {})
    stopped = meta.get("stopped_early", False)

    def log(split: str, metrics: dict[str, float]) -> None:
        epochs_done = round(step / data.steps_per_epoch, 4)
        row = {"step": step, "epoch": epochs_done, "split": split, **metrics}
        if lead:
            files.append_metrics(workdir, row)
            writer.scalars(step, {f"{split}/{k}": v for k, v in metrics.items()})

    def checkpoint(val_loss: float | None = None) -> None:
        window.read()  # never save a state whose loss went non-finite
        current = {
            "epoch": epoch,
            "batches_in_epoch": position,
            "early_stopping": stopping.to_json(),
            "validation": validation,
            "stopped_early": stopped,
        }
        checkpointing.save(manager, state, current, val_loss)

    def validate() -> None:
        nonlocal validation, stopped
        validation = evaluate_batches(
            eval_step, state.params, data.eval_batches("validation"), mesh, data.kind,
            split="validation",
        )
        if not math.isfinite(validation["loss"]):  # never save it, nor rank it as "best"
            raise TrainingDivergedError(
                f"the validation loss became {validation['loss']} at step {step}",
                state_step=step,
            )
        log("validation", validation)
        stopping.update(validation["loss"])
        stopped = stopping.should_stop
        checkpoint(val_loss=validation["loss"])

    try:
        while epoch < t.epochs and not stopped:
            with tqdm(
                total=data.steps_per_epoch,
                initial=position,
                desc=f"epoch {epoch + 1}/{t.epochs}",
                disable=not lead,
                dynamic_ncols=True,
            ) as bar:
                for index, batch in enumerate(data.train_batches(epoch)):
                    if index < position:
                        continue  # consumed before the checkpoint this run resumed from
                    state, sums = train_step(state, global_batch(batch, mesh))
                    step, position = step + 1, index + 1
                    window.add(sums, step)
                    bar.update(1)
                    if t.log_every_steps and step % t.log_every_steps == 0:
                        metrics = window.read()
                        bar.set_postfix(
                            loss=f"{metrics['loss']:.4f}",
                            acc=f"{metrics['accuracy']:.3f}",
                            tok_s=f"{metrics['tokens_per_sec']:.0f}",
                        )
                        log("train", metrics)
                        window.reset()
                    if t.eval_every_steps and step % t.eval_every_steps == 0:
                        validate()
                        if stopped:
                            break
                    elif t.checkpoint_every_steps and step % t.checkpoint_every_steps == 0:
                        checkpoint()
                    if preemption.check(step):
                        checkpoint()
                        manager.wait_until_finished()
                        epochs_done = step // data.steps_per_epoch
                        return FitResult(step, epochs_done, validation, stopped, preempted=True)
            if stopped:
                break
            metrics = window.read()
            if metrics is not None and window.steps:
                log("train", metrics)
            window.reset()
            epoch, position = epoch + 1, 0
            if not (t.eval_every_steps and step % t.eval_every_steps == 0):
                validate()  # (else this step was just validated and saved)
        manager.wait_until_finished()
    except TrainingDivergedError as error:
        manager.wait_until_finished()
        moved = ""
        if error.state_step is not None and error.state_step in manager.all_steps():
            # That state yields the non-finite loss; resuming from it would repeat it.
            broken = workdir / files.BROKEN_CHECKPOINT_DIR
            checkpointing.move_aside(manager, [error.state_step], broken)
            moved = (
                f"checkpoint step {error.state_step}, whose state gave that loss, was moved to "
                f"{broken}; "
            )
        last = manager.latest_step()
        kept = f"the last good checkpoint (step {last}) is kept" if last is not None else (
            "no good checkpoint was saved"
        )
        raise TrainingDivergedError(
            f"{error}; {moved}{kept} in {checkpoint_dir}. Train again in a new --workdir with "
            "a lower train.learning_rate or a train.grad_clip_norm (the same config resumed "
            "here diverges the same way)"
        ) from None
    finally:
        preemption.restore()
        manager.close()
        if writer is not None:
            writer.close()
    return FitResult(step, step // data.steps_per_epoch, validation, stopped)
