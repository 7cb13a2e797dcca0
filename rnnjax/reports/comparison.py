"""The outputs of ``python -m rnnjax.compare``: comparison.json, comparison.md, the overlaid
validation curves and one confusion matrix per model."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnjax.reports.plots import _pyplot, _save, plot_confusion_matrix

CURVES_FILE = "validation_curves.png"


def confusion_file(name: str) -> str:
    """The PNG of model ``name``'s confusion matrix (recurrent: summed over its seeds)."""
    return f"confusion_{name}.png"


def write_comparison(
    root: Path,
    rows: Sequence[dict[str, Any]],
    curves: Mapping[str, Sequence[Sequence[dict[str, float]]]],
    label_names: Sequence[str],
    header: dict[str, Any],
) -> None:
    """Writes every output of a comparison into ``root``.

    Args:
      rows: comparison.json's rows (rnnjax.comparison.recurrent_row / baseline_rows).
      curves: variant -> one list of validation rows (epoch, loss, accuracy) per seed.
      label_names: the class names, in label-id order.
      header: what was compared (config, variants, seeds, duplicates), kept in the JSON.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "comparison.json").write_text(json.dumps({**header, "rows": list(rows)}, indent=2))
    (root / "comparison.md").write_text(comparison_markdown(rows, header), encoding="utf-8")
    plot_validation_curves(curves, root / CURVES_FILE)
    for row in rows:
        seeds = len(row["accuracies"])
        summed = f", summed over {seeds} seeds" if seeds > 1 else ""
        plot_confusion_matrix(
            np.asarray(row["confusion"]),
            label_names,
            root / confusion_file(row["name"]),
            title=f"{row['name']}: test confusion matrix{summed}",
        )


def _mean_std(mean: float, std: float, count: int) -> str:
    return f"{mean:.4f} ± {std:.4f}" if count > 1 else f"{mean:.4f}"


def comparison_markdown(rows: Sequence[dict[str, Any]], header: dict[str, Any]) -> str:
    """The comparison table: accuracy and macro-F1 mean ± sample std over seeds (each seed's
    value beside), parameters, train time, tokens/s, epochs and best steps."""
    duplicates = header["duplicates"]
    lines = [
        f"# Comparison: {header['config']}",
        "",
        f"Test split: {rows[0]['num_test_examples']} texts; split seed {header['split_seed']}; "
        f"training seeds {header['seeds']}. Exact duplicates after normalisation: "
        f"{duplicates['found']} found, {duplicates['removed']} removed before splitting; "
        f"test texts also in train or validation: {duplicates['test_in_train']}.",
        "Baselines: TF-IDF word 1-2 grams (sublinear tf) on the raw texts of the same rows, "
        "C chosen on validation. ± is the sample standard deviation over seeds.",
        "",
        "| model | kind | test accuracy | macro-F1 | per seed accuracy | params | train s "
        "| tokens/s | epochs | best step |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        count = len(row["accuracies"])
        per_seed = ", ".join(f"{a:.4f}" for a in row["accuracies"])
        recurrent = row["kind"] == "recurrent"
        params = f"{row['num_params']:,}" if recurrent else f"{row['num_features']:,} features"
        speed = f"{row['tokens_per_sec_mean']:,.0f}" if recurrent else ""
        epochs = ", ".join(f"{e:g}" for e in row["epochs"]) if recurrent else ""
        steps = ", ".join(str(s) for s in row["best_steps"]) if recurrent else f"C={row['c']:g}"
        lines.append(
            f"| {row['name']} | {row['kind']} "
            f"| {_mean_std(row['accuracy_mean'], row['accuracy_std'], count)} "
            f"| {_mean_std(row['macro_f1_mean'], row['macro_f1_std'], count)} | {per_seed} "
            f"| {params} | {row['train_time_s_mean']:.0f} | {speed} | {epochs} | {steps} |"
        )
    lines += ["", f"Validation curves: `{CURVES_FILE}`; confusion matrices: `confusion_*.png`."]
    return "\n".join(lines) + "\n"


def plot_validation_curves(
    curves: Mapping[str, Sequence[Sequence[dict[str, float]]]], path: Path
) -> Any:
    """Saves validation loss and accuracy against epoch, one colour per variant, one line per
    seed."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        for index, (variant, runs) in enumerate(curves.items()):
            colour = colours[index % len(colours)]
            for seed, rows in enumerate(runs):
                ax.plot(
                    [r["epoch"] for r in rows],
                    [r[metric] for r in rows],
                    "o-",
                    color=colour,
                    alpha=0.8,
                    label=variant if seed == 0 else None,
                )
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"validation {metric}")
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(fig, path)
