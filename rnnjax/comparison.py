"""Variants x seeds of one config family against the TF-IDF baselines, on the same rows.

Each run trains in ``<workdir>/runs/<variant>/seed<k>`` (a finished run, one with
``result.json``, is reused; an interrupted one resumes from its checkpoint), then its best
checkpoint is scored on the test split. The baselines fit the raw texts of exactly those rows
(checked against each run's ``rows.json``). ``rnnjax.reports.comparison`` writes the outputs.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ml_collections
import numpy as np

from rnnjax.cli import load_config
from rnnjax.data import ClassificationData, EncodedSplit
from rnnjax.errors import DataError, UserError
from rnnjax.training import workdir as files

RESULT_FILE = "result.json"  # a run's test metrics, written once it is trained and scored
BASELINES_FILE = "baselines.json"  # the baselines' rows and the row ids they were fitted on


@dataclasses.dataclass(frozen=True)
class RunResult:
    """One variant trained with one seed, scored with its best checkpoint on test.

    ``train_time_s`` is the wall time of the fit call that finished the run (a resumed run
    counts only the part after resuming); ``curve`` holds the validation rows (epoch, loss,
    accuracy); ``confusion`` is int[C, C] (rows: true class).
    """

    variant: str
    seed: int
    accuracy: float
    macro_f1: float
    num_test_examples: int
    num_params: int
    train_time_s: float
    tokens_per_sec: float
    epochs: float
    best_step: int
    curve: list[dict[str, float]]
    confusion: list[list[int]]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def run_dir(root: Path, variant: str, seed: int) -> Path:
    """The workdir of ``variant`` trained with ``seed``."""
    return root / "runs" / variant / f"seed{seed}"


def run_variant(
    config: ml_collections.ConfigDict,
    workdir: Path,
    data: ClassificationData,
    say: Callable[[str], None],
) -> RunResult | None:
    """Trains (or resumes, or reuses) ``config`` in ``workdir`` and scores it on the test split
    of ``data`` (the baselines' data: the run must have seen exactly its rows).

    Returns None when SIGTERM stopped the training (its checkpoint is saved; rerun to resume).

    Raises:
      CheckpointError: ``workdir`` holds a run of a different config.
      DataError: the run's rows differ from ``data``'s.
    """
    result_path = workdir / RESULT_FILE
    if result_path.exists():
        files.check_same_run(workdir, config)
        _check_rows(workdir, data.row_ids(), config.variant)
        say("reused")
        return RunResult(**json.loads(result_path.read_text()))
    from rnnjax.training import fit

    resuming = (workdir / files.CHECKPOINT_DIR).exists()
    start = time.perf_counter()
    fitted = fit(config, workdir)
    train_time = time.perf_counter() - start
    if fitted.preempted:
        return None
    _check_rows(workdir, data.row_ids(), config.variant)
    result = _score(config, workdir, data.splits["test"], train_time, fitted.epoch)
    result_path.write_text(json.dumps(result.to_json()) + "\n")
    say(f"{'resumed and trained' if resuming else 'trained'} to epoch {fitted.epoch}")
    return result


def _check_rows(workdir: Path, rows: dict[str, list[int]], variant: str) -> None:
    if files.read_rows(workdir) != rows:
        raise DataError(
            f"variant {variant!r} ({workdir}) trained on other rows than the baselines: its data "
            "settings select a different split; compare variants that share data.* settings "
            "(the baselines use the first variant's)"
        )


def _score(
    config: ml_collections.ConfigDict,
    workdir: Path,
    test: EncodedSplit,
    train_time: float,
    epochs: float,
) -> RunResult:
    """Scores the best checkpoint of ``workdir`` on the raw texts of ``test``."""
    import jax
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    from rnnjax.training import restore
    from rnnjax.training.inference import classify_texts

    restored = restore(workdir, "best")
    predicted = classify_texts(restored, test.texts).argmax(axis=1)
    history = files.read_metrics(workdir)
    speeds = [row["tokens_per_sec"] for row in history if row["split"] == "train"]
    classes = list(range(len(restored.labels.names)))
    return RunResult(
        variant=str(config.variant),
        seed=int(config.train.seed),
        accuracy=float(accuracy_score(test.labels, predicted)),
        macro_f1=float(f1_score(test.labels, predicted, average="macro", labels=classes)),
        num_test_examples=len(test),
        num_params=int(sum(x.size for x in jax.tree.leaves(restored.params))),
        train_time_s=train_time,
        tokens_per_sec=float(np.mean(speeds)) if speeds else 0.0,
        epochs=epochs,
        best_step=restored.step,
        curve=[
            {"epoch": r["epoch"], "loss": r["loss"], "accuracy": r["accuracy"]}
            for r in history
            if r["split"] == "validation"
        ],
        confusion=confusion_matrix(test.labels, predicted, labels=classes).tolist(),
    )


def model_row(
    name: str,
    kind: str,
    accuracies: Sequence[float],
    macro_f1s: Sequence[float],
    num_test_examples: int,
    **extra: Any,
) -> dict[str, Any]:
    """One row of comparison.json: per-seed values and their mean and sample std (0 for one)."""

    def spread(values: Sequence[float]) -> float:
        return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0

    return {
        "name": name,
        "kind": kind,
        "accuracies": list(accuracies),
        "macro_f1s": list(macro_f1s),
        "accuracy_mean": float(np.mean(accuracies)),
        "accuracy_std": spread(accuracies),
        "macro_f1_mean": float(np.mean(macro_f1s)),
        "macro_f1_std": spread(macro_f1s),
        "num_test_examples": num_test_examples,
        **extra,
    }


def recurrent_row(variant: str, runs: Sequence[RunResult]) -> dict[str, Any]:
    """The comparison.json row of one variant's runs (one per seed)."""
    return model_row(
        variant,
        "recurrent",
        [r.accuracy for r in runs],
        [r.macro_f1 for r in runs],
        runs[0].num_test_examples,
        seeds=[r.seed for r in runs],
        num_params=runs[0].num_params,
        train_time_s_mean=float(np.mean([r.train_time_s for r in runs])),
        tokens_per_sec_mean=float(np.mean([r.tokens_per_sec for r in runs])),
        epochs=[r.epochs for r in runs],
        best_steps=[r.best_step for r in runs],
        confusion=np.sum([r.confusion for r in runs], axis=0).tolist(),
    )


def baseline_rows(data: ClassificationData, root: Path) -> list[dict[str, Any]]:
    """The comparison.json rows of the TF-IDF baselines fitted on ``data``'s splits; reused
    from ``root/baselines.json`` when that was fitted on the same rows."""
    cache = root / BASELINES_FILE
    if cache.exists():
        saved = json.loads(cache.read_text())
        if saved["row_ids"] == data.row_ids():
            return saved["rows"]
    rows = _fit_baseline_rows(data)
    cache.write_text(json.dumps({"row_ids": data.row_ids(), "rows": rows}) + "\n")
    return rows


def _fit_baseline_rows(data: ClassificationData) -> list[dict[str, Any]]:
    from sklearn.metrics import confusion_matrix

    from rnnjax.baselines import fit_baselines

    truth = data.splits["test"].labels
    classes = list(range(len(data.labels.names)))
    return [
        model_row(
            result.name,
            "baseline",
            [result.accuracy],
            [result.macro_f1],
            len(truth),
            c=result.c,
            validation_accuracies={str(c): a for c, a in result.validation_accuracies.items()},
            num_features=result.num_features,
            train_time_s_mean=result.train_time_s,
            confusion=confusion_matrix(truth, result.predicted, labels=classes).tolist(),
        )
        for result in fit_baselines(data.splits)
    ]


def load_variants(
    path: str, variants: Sequence[str], overrides: dict[str, Any]
) -> dict[str, ml_collections.ConfigDict]:
    """Each variant of the config file ``path`` with the dotted-key ``overrides`` applied;
    UserError naming an unknown variant or one that is not a classifier."""
    configs = {}
    for variant in variants:
        config = load_config(f"{path}:{variant}")
        config.update_from_flattened_dict(overrides)
        if config.model.kind != "classifier":
            raise UserError(
                f"variant {variant!r} of {path} is not a classifier; compare scores classifiers "
                "against TF-IDF baselines"
            )
        configs[variant] = config
    return configs


def compare(
    path: str,
    configs: dict[str, ml_collections.ConfigDict],
    seeds: int,
    root: Path,
    say: Callable[[str], None] = print,
) -> list[dict[str, Any]] | None:
    """Trains each of ``configs`` (variant -> config) with train seeds 0..``seeds``-1 under
    ``root``, fits the baselines on the first variant's rows and writes the comparison there.

    Returns comparison.json's rows, or None when SIGTERM stopped a run (rerun to resume).
    ``say`` gets one progress line per step of each run.
    """
    from rnnjax.data import prepare_classification
    from rnnjax.reports.comparison import write_comparison

    first_variant, first = next(iter(configs.items()))
    data = prepare_classification(first.data)
    for variant, config in configs.items():
        if config.data.to_dict() != first.data.to_dict() and (
            prepare_classification(config.data).row_ids() != data.row_ids()
        ):
            raise DataError(
                f"variants {first_variant!r} and {variant!r} split different rows (their data.* "
                "settings differ): the baselines could not see the same rows as both; compare "
                "variants that share their data settings"
            )
    root.mkdir(parents=True, exist_ok=True)
    total, done = len(configs) * seeds, 0
    rows, curves = [], {}
    for variant, config in configs.items():
        runs = []
        for seed in range(seeds):
            done += 1
            run_config = config.copy_and_resolve_references()
            run_config.train.seed = seed
            workdir = run_dir(root, variant, seed)
            prefix = f"[{done}/{total}] {variant} seed {seed}"
            say(f"{prefix}: {workdir}")
            result = run_variant(
                run_config, workdir, data, lambda what, p=prefix: say(f"{p}: {what}")
            )
            if result is None:
                return None
            say(
                f"{prefix}: test accuracy {result.accuracy:.4f}, macro-F1 {result.macro_f1:.4f}, "
                f"best step {result.best_step}"
            )
            runs.append(result)
        rows.append(recurrent_row(variant, runs))
        curves[variant] = [r.curve for r in runs]
    say(f"baselines on the same {len(data.splits['test'])} test rows")
    rows += baseline_rows(data, root)
    header = {
        "config": path,
        "variants": list(configs),
        "seeds": list(range(seeds)),
        "split_seed": int(first.data.split_seed),
        "duplicates": data.duplicates.to_json(),
    }
    write_comparison(root, rows, curves, data.labels.names, header)
    return rows
