"""The data side of a run, behind one interface for classification and language modelling.

The loop asks a :class:`TaskData` for this process's training batches of an epoch and for
evaluation batches of a split; it never learns which corpus or task it trains.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import ml_collections
import numpy as np

from rnnjax.errors import ConfigError, DataError
from rnnjax.training import workdir as files
from rnnjax.training.pretrain import is_pretraining

Batch = dict[str, np.ndarray]
KINDS = ("classifier", "lm")


@dataclasses.dataclass(frozen=True)
class TaskData:
    """Encoded splits of a run and how to batch them.

    Attributes:
      kind: "classifier" or "lm".
      vocab: the fitted rnnjax.text.Vocabulary.
      labels: the rnnjax.text.LabelEncoder (None for language models).
      train_batches: epoch -> this process's training batches (shuffled by seed and epoch).
      eval_batches: split name -> this process's evaluation batches (every row once).
      steps_per_epoch: optimizer steps in one epoch (full global batches).
      seq_len: time length T of the padded batches.
      row_ids: classifiers: split name -> the corpus row ids of its examples; pretraining
        language models: ``{"train": ...}``, the rows whose texts they read; else None.
    """

    kind: str
    vocab: object
    labels: object | None
    train_batches: Callable[[int], Iterator[Batch]]
    eval_batches: Callable[[str], Iterator[Batch]]
    steps_per_epoch: int
    seq_len: int
    row_ids: dict[str, list[int]] | None = None

    def save(self, workdir: Path) -> None:
        """Writes vocab.json (and labels.json, rows.json) so the workdir alone restores the run
        and names the rows it saw."""
        self.vocab.save(workdir / files.VOCAB_FILE)
        if self.labels is not None:
            self.labels.save(workdir / files.LABELS_FILE)
        if self.row_ids is not None:
            (workdir / files.ROWS_FILE).write_text(json.dumps(self.row_ids) + "\n")


def load_task_data(
    config: ml_collections.ConfigDict,
    *,
    num_processes: int = 1,
    process_index: int = 0,
    vocab: object | None = None,
) -> TaskData:
    """Prepares the corpus of ``config.data`` for ``config.model.kind`` and the train section.

    A classifier given ``vocab`` (a pretrained language model's) encodes with it instead of
    fitting its own; a pretraining language model (``pretrain.enabled``) reads only the texts
    of rnnjax.data.prepare.pretraining_texts.
    """
    kind = config.model.kind
    if kind == "classifier":
        return _classification(config, num_processes, process_index, vocab)
    if kind == "lm":
        return _language_model(config, num_processes, process_index)
    raise ConfigError(f"unknown model.kind {kind!r}; valid: {', '.join(KINDS)}")


def _classification(
    config: ml_collections.ConfigDict, num_processes: int, process_index: int, vocab: object
) -> TaskData:
    from rnnjax.data import prepare_classification
    from rnnjax.data.pipeline import classification_batches

    d, t = config.data, config.train
    if d.padding != "post":
        raise ConfigError(
            f"data.padding={d.padding!r}: the recurrent models read each row's length and need "
            "right padding ('post'), which makes pre-padding unnecessary; use data.padding='post'"
        )
    data = prepare_classification(d, vocab)
    _require_validation(len(data.splits["validation"]), "examples", d)
    batches = functools.partial(
        classification_batches,
        max_len=d.max_len,
        padding=d.padding,
        truncating=d.truncating,
        bucket_boundaries=tuple(d.bucket_boundaries),
        seed=t.seed,
        num_processes=num_processes,
        process_index=process_index,
    )
    train = data.splits["train"]
    train_batches = lambda epoch: batches(
        train, batch_size=t.batch_size, shuffle=True, epoch=epoch, drop_remainder=True
    )
    steps = _count_steps(train_batches, f"{len(train)} examples", t.batch_size)
    return TaskData(
        kind="classifier",
        vocab=data.vocab,
        labels=data.labels,
        train_batches=train_batches,
        eval_batches=lambda split: batches(
            data.splits[split],
            batch_size=t.eval_batch_size,
            shuffle=False,
            epoch=0,
            drop_remainder=False,
        ),
        steps_per_epoch=steps,
        seq_len=d.max_len,
        row_ids=data.row_ids(),
    )


def _language_model(
    config: ml_collections.ConfigDict, num_processes: int, process_index: int
) -> TaskData:
    from rnnjax.data import prepare_language_model
    from rnnjax.data.pipeline import lm_batches

    data = prepare_language_model(
        config.data, config.pretrain if is_pretraining(config) else None
    )
    d, t = config.data, config.train
    _require_validation(len(data.splits["validation"]) - 1, "next-token targets", d)
    batches = functools.partial(
        lm_batches,
        seq_len=d.seq_len,
        seed=t.seed,
        num_processes=num_processes,
        process_index=process_index,
    )
    train = data.splits["train"]
    train_batches = lambda epoch: batches(
        train, batch_size=t.batch_size, shuffle=True, epoch=epoch, drop_remainder=True
    )
    steps = _count_steps(
        train_batches, f"{len(train)} tokens (data.seq_len={d.seq_len})", t.batch_size
    )
    return TaskData(
        kind="lm",
        vocab=data.vocab,
        labels=None,
        train_batches=train_batches,
        eval_batches=lambda split: batches(
            data.splits[split],
            batch_size=t.eval_batch_size,
            shuffle=False,
            epoch=0,
            drop_remainder=False,
        ),
        steps_per_epoch=steps,
        seq_len=d.seq_len,
        row_ids=data.row_ids,
    )


def _require_validation(size: int, unit: str, data_cfg: ml_collections.ConfigDict) -> None:
    """Raises DataError when the validation split is empty: training ranks checkpoints and
    stops early on it."""
    if size <= 0:
        raise DataError(
            f"the validation split has no {unit} (data.validation_fraction="
            f"{data_cfg.validation_fraction}); training validates on it to keep the best "
            "checkpoint and to stop early: raise data.validation_fraction or use more data"
        )


def _count_steps(
    train_batches: Callable[[int], Iterator[Batch]], available: str, batch_size: int
) -> int:
    """Full batches per epoch (the same every epoch; bucketing makes it data-dependent)."""
    steps = sum(1 for _ in train_batches(0))
    if steps == 0:
        raise DataError(
            f"the train split ({available}) fills no batch of train.batch_size={batch_size}; "
            "lower train.batch_size or use more data"
        )
    return steps
