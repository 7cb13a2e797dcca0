"""Figures of a report: confusion matrix and training curves (matplotlib, Agg backend)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_confusion_matrix(matrix: np.ndarray, names: Sequence[str], path: Path) -> None:
    """Saves the confusion matrix int[C, C] (rows: true class, columns: predicted) as PNG."""
    from sklearn.metrics import ConfusionMatrixDisplay

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 3, 1.2 * len(names) + 2))
    ConfusionMatrixDisplay(matrix, display_labels=list(names)).plot(
        ax=ax, xticks_rotation=45, colorbar=False
    )
    ax.set_title("Confusion matrix")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_curves(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Saves loss and accuracy against step, train and validation, from metrics.jsonl rows."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        for split, style in (("train", "-"), ("validation", "o-")):
            points = [(r["step"], r[metric]) for r in rows if r["split"] == split and metric in r]
            if points:
                steps, values = zip(*points, strict=True)
                ax.plot(steps, values, style, label=split)
        ax.set_xlabel("step")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
