"""Restore a workdir's model, evaluate it on a split and write ``workdir/report/``.

Classifiers: accuracy, macro-F1, scikit-learn's per-class report, confusion matrix, curves, the
most confident errors (``misclassified.md``) and, for attention models, a few texts shaded by
the attention each token gets (``attention.html``).
Language models: loss in nats per token, perplexity and the token count, and curves.
Ensembles of classifiers: the mean of their class probabilities on the same rows, scored beside
each member.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnjax.errors import DataError
from rnnjax.reports.misclassified import misclassified_markdown
from rnnjax.reports.plots import plot_confusion_matrix, plot_curves
from rnnjax.training import restore
from rnnjax.training import workdir as files
from rnnjax.training.inference import classify_texts, language_model_metrics
from rnnjax.training.restore import Restored

if TYPE_CHECKING:
    from rnnjax.data.splits import Split

SPLITS = ("train", "validation", "test")
ATTENTION_EXAMPLES = 8  # texts of the split shown in report/attention.html (the first ones)


def default_split(kind: str) -> str:
    """``test`` for classifiers, ``validation`` for language models (as their goals are stated)."""
    return "validation" if kind == "lm" else "test"


def evaluate_workdir(
    workdir: str | Path, split: str | None = None, checkpoint: str | int = "best"
) -> dict[str, Any]:
    """Evaluates ``checkpoint`` of the run in ``workdir`` on ``split`` and writes its report.

    Returns:
      The metrics written to ``report/metrics.json``: for classifiers ``accuracy``,
      ``macro_f1``, ``num_examples``, ``per_class`` (precision/recall/F1/support by label);
      for language models ``loss``, ``perplexity``, ``num_tokens``; always ``split`` and
      ``checkpoint_step``. Classifiers also return ``report_text`` (not written to JSON).
    """
    workdir = Path(workdir)
    restored = restore(workdir, checkpoint)
    split = split or default_split(restored.config.model.kind)
    if split not in SPLITS:
        raise DataError(f"--split must be one of {', '.join(SPLITS)}, not {split!r}")
    report_dir = workdir / files.REPORT_DIR
    report_dir.mkdir(exist_ok=True)
    if restored.config.model.kind == "lm":
        metrics = _language_model_report(restored, split)
        text = None
    else:
        metrics, text = _classification_report(restored, split, report_dir)
    metrics = {**metrics, "split": split, "checkpoint_step": restored.step}
    (report_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    history = files.read_metrics(workdir)
    if history:
        plot_curves(history, report_dir / "curves.png")
    return metrics if text is None else {**metrics, "report_text": text}


def _classification_report(
    restored: Restored, split: str, report_dir: Path
) -> tuple[dict[str, Any], str]:
    """Writes the classifier's report files; returns its metrics and the per-class report."""
    from sklearn.metrics import classification_report, confusion_matrix

    names = restored.labels.names
    data = _split_data(restored, split)
    probabilities = classify_texts(restored, data.texts)
    predicted = probabilities.argmax(axis=1)
    truth = np.asarray(data.labels)
    ids = list(range(len(names)))
    per_class = classification_report(
        truth, predicted, labels=ids, target_names=names, output_dict=True, zero_division=0
    )
    text = classification_report(
        truth, predicted, labels=ids, target_names=names, digits=4, zero_division=0
    )
    metrics = {
        **scores(truth, probabilities),
        "num_examples": len(truth),
        "per_class": {name: per_class[name] for name in names},
    }
    (report_dir / "classification_report.txt").write_text(text)
    plot_confusion_matrix(
        confusion_matrix(truth, predicted, labels=ids), names, report_dir / "confusion_matrix.png"
    )
    (report_dir / "misclassified.md").write_text(
        misclassified_markdown(data.texts, truth, probabilities, names, split), encoding="utf-8"
    )
    if restored.config.model.pooling == "attention":
        _attention_report(restored, data.texts, truth, split, report_dir / "attention.html")
    return metrics, text


def _split_data(restored: Restored, split: str) -> Split:
    """``split`` of the classifier's corpus, as its data config loads it (DataError when the
    corpus's labels are no longer the ones the model was trained on)."""
    from rnnjax.data import load_corpus

    corpus = load_corpus(restored.config.data)
    names = restored.labels.names
    if list(corpus.label_names) != list(names):
        raise DataError(
            f"the corpus now has labels {corpus.label_names}, the model was trained on {names}"
        )
    return getattr(corpus, split)


def scores(truth: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Accuracy and macro-F1 (over all C classes) of the argmax of float[N, C] probabilities
    against int[N] true class ids."""
    from sklearn.metrics import accuracy_score, f1_score

    predicted = probabilities.argmax(axis=1)
    labels = list(range(probabilities.shape[1]))
    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(
            f1_score(truth, predicted, average="macro", labels=labels, zero_division=0)
        ),
    }


@dataclasses.dataclass(frozen=True)
class EnsemblePredictions:
    """Class probabilities of several classifiers on the same rows of one split.

    Attributes:
      workdirs: the members' run directories.
      steps: the checkpoint step each member was restored from.
      split: the split predicted.
      truth: int32[N] true class ids.
      members: float32[K, N, C] each member's probabilities (each encodes the texts its own way).
    """

    workdirs: list[Path]
    steps: list[int]
    split: str
    truth: np.ndarray
    members: np.ndarray

    @property
    def probabilities(self) -> np.ndarray:
        """float32[N, C]: the ensemble's, the mean of its members' probabilities."""
        return self.members.mean(axis=0)


def ensemble_predictions(
    workdirs: Sequence[str | Path], split: str = "test", checkpoint: str | int = "best"
) -> EnsemblePredictions:
    """Restores each classifier in ``workdirs`` and predicts ``split`` with each.

    Raises:
      DataError: a member is a language model, or the members' labels or their rows of
        ``split`` (``rows.json``) differ, naming the workdirs.
    """
    if split not in SPLITS:
        raise DataError(f"--split must be one of {', '.join(SPLITS)}, not {split!r}")
    paths = [Path(w) for w in workdirs]
    restored = [restore(w, checkpoint) for w in paths]
    first, first_rows = paths[0], files.read_rows(paths[0])[split]
    for path, member in zip(paths, restored, strict=True):
        if member.config.model.kind != "classifier":
            raise DataError(f"an ensemble averages classifiers; {path} holds a language model")
        if member.labels.names != restored[0].labels.names:
            raise DataError(
                f"ensemble members need the same labels: {first} has "
                f"{restored[0].labels.names}, {path} has {member.labels.names}"
            )
        if files.read_rows(path)[split] != first_rows:
            raise DataError(
                f"ensemble members need the same {split} rows: {first} and {path} differ in "
                f"rows.json; train them on the same data config (corpus, split_seed, ...)"
            )
    members, truth = [], None
    for path, member in zip(paths, restored, strict=True):
        data = _split_data(member, split)
        if data.row_ids.tolist() != first_rows:
            raise DataError(
                f"{path}'s corpus now gives other {split} rows than its rows.json; evaluate "
                "on the data it was trained on"
            )
        members.append(classify_texts(member, data.texts))
        truth = np.asarray(data.labels)
    steps = [member.step for member in restored]
    return EnsemblePredictions(paths, steps, split, truth, np.stack(members))


def evaluate_ensemble(
    workdirs: Sequence[str | Path], split: str | None = None, checkpoint: str | int = "best"
) -> dict[str, Any]:
    """Accuracy and macro-F1 of the ensemble of the classifiers in ``workdirs`` (the mean of
    their probabilities) and of each member, on ``split`` (default test); writes no files.

    Returns:
      ``split``, ``num_examples``, ``ensemble`` (accuracy, macro_f1) and ``members`` (per
      workdir: workdir, checkpoint_step, accuracy, macro_f1).
    """
    predictions = ensemble_predictions(workdirs, split or default_split("classifier"), checkpoint)
    truth = predictions.truth
    members = [
        {"workdir": str(path), "checkpoint_step": step, **scores(truth, probabilities)}
        for path, step, probabilities in zip(
            predictions.workdirs, predictions.steps, predictions.members, strict=True
        )
    ]
    return {
        "split": predictions.split,
        "num_examples": len(truth),
        "ensemble": scores(truth, predictions.probabilities),
        "members": members,
    }


def _attention_report(
    restored: Restored, texts: list[str], truth: np.ndarray, split: str, path: Path
) -> None:
    """Writes the first ``ATTENTION_EXAMPLES`` texts of ``split`` shaded by their attention."""
    from rnnjax.reports.attention import explain_texts, explanations_html

    shown = slice(0, ATTENTION_EXAMPLES)
    names = restored.labels.names
    explanations = explain_texts(restored, texts[shown], [names[i] for i in truth[shown]])
    title = f"Attention on the first {len(explanations)} {split} texts (step {restored.step})"
    path.write_text(
        explanations_html(explanations, title, int(restored.config.data.max_len)),
        encoding="utf-8",
    )


def _language_model_report(restored: Restored, split: str) -> dict[str, Any]:
    from rnnjax.data import prepare_language_model

    data = prepare_language_model(restored.config.data)
    if data.vocab != restored.vocab:
        raise DataError(
            "the corpus now yields a different vocabulary than the one the model was trained "
            "with; evaluate on the data the workdir was trained on"
        )
    metrics = language_model_metrics(restored, data.splits[split], split)
    return {k: metrics[k] for k in ("loss", "perplexity", "num_tokens")}
