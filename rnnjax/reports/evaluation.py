"""Restore a workdir's model, evaluate it on a split and write ``workdir/report/``.

Classifiers: accuracy, macro-F1, scikit-learn's per-class report, confusion matrix, curves, the
most confident errors (``misclassified.md``) and, for attention models, a few texts shaded by
the attention each token gets (``attention.html``).
Language models: loss in nats per token, perplexity and the token count, and curves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from rnnjax.errors import DataError
from rnnjax.reports.misclassified import misclassified_markdown
from rnnjax.reports.plots import plot_confusion_matrix, plot_curves
from rnnjax.training import restore
from rnnjax.training import workdir as files
from rnnjax.training.inference import classify_texts, language_model_metrics
from rnnjax.training.restore import Restored

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
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    from rnnjax.data import load_corpus

    corpus = load_corpus(restored.config.data)
    names = restored.labels.names
    if list(corpus.label_names) != list(names):
        raise DataError(
            f"the corpus now has labels {corpus.label_names}, the model was trained on {names}"
        )
    data = getattr(corpus, split)
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
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, average="macro", labels=ids, zero_division=0)),
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
