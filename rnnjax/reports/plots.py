"""Figures of a report (matplotlib, Agg backend): confusion matrix and training curves of a
run; label distribution, length histograms and word clouds of a corpus.

Each function saves one PNG and returns its (closed) figure, so tests can read what it drew.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

WORD_CLOUD_WORDS = 150  # the most frequent words drawn in a word cloud


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Any:
    """Lays out, writes and closes ``fig`` (the returned figure still holds what was drawn)."""
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    _pyplot().close(fig)
    return fig


def plot_confusion_matrix(
    matrix: np.ndarray, names: Sequence[str], path: Path, title: str = "Confusion matrix"
) -> Any:
    """Saves the confusion matrix int[C, C] (rows: true class, columns: predicted) as PNG."""
    from sklearn.metrics import ConfusionMatrixDisplay

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 3, 1.2 * len(names) + 2))
    ConfusionMatrixDisplay(matrix, display_labels=list(names)).plot(
        ax=ax, xticks_rotation=45, colorbar=False
    )
    ax.set_title(title)
    return _save(fig, path)


def plot_curves(rows: Sequence[dict[str, Any]], path: Path) -> Any:
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
    return _save(fig, path)


def plot_label_distribution(
    counts: Mapping[str, np.ndarray], names: Sequence[str], path: Path
) -> Any:
    """Saves one horizontal bar chart per split (side by side) of its texts per class.

    Args:
      counts: split name -> int[C] texts per class, in ``names`` order.
      names: the C class names (drawn once, on the left, so long names stay readable).
    """
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    widest = max(len(name) for name in names)
    fig, axes = plt.subplots(
        1,
        len(counts),
        sharey=True,
        squeeze=False,
        figsize=(3.6 * len(counts) + 0.09 * widest + 0.6, 0.3 * len(names) + 1.6),
    )
    rows = np.arange(len(names))
    for ax, (split, split_counts) in zip(axes[0], counts.items(), strict=True):
        bars = ax.barh(rows, split_counts, color="C0")
        ax.bar_label(bars, padding=2, fontsize=8)
        ax.set_xlim(0, max(int(split_counts.max()), 1) * 1.2)  # room for the counts
        ax.set_title(f"{split} ({int(split_counts.sum()):,} texts)")
        ax.set_xlabel("texts")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="x", alpha=0.3)
    axes[0, 0].set_yticks(rows, list(names))
    axes[0, 0].invert_yaxis()  # first class on top
    axes[0, 0].set_ylabel("class")
    fig.suptitle("Label distribution per split")
    return _save(fig, path)


def plot_length_histograms(
    lengths: Mapping[str, np.ndarray], max_len: int, path: Path, bins: int = 50
) -> Any:
    """Saves one histogram per split (stacked, shared x) of tokens per text, with the
    truncation point ``max_len`` marked and the share of texts it cuts.

    The x axis ends at the larger of the 95th percentile and ``max_len`` (plus a margin), so a
    long tail does not squash the rest; longer texts are counted in the last bar, as its
    panel's title says.

    Args:
      lengths: split name -> int[N] tokens per text after normalisation, before truncation.
    """
    plt = _pyplot()
    everything = np.concatenate([np.asarray(x) for x in lengths.values()])
    upper = int(np.ceil(1.1 * max(np.percentile(everything, 95), max_len)))
    edges = np.linspace(0, upper, bins + 1)
    fig, axes = plt.subplots(
        len(lengths), 1, sharex=True, squeeze=False, figsize=(9, 2.3 * len(lengths) + 0.8)
    )
    for ax, (split, split_lengths) in zip(axes[:, 0], lengths.items(), strict=True):
        split_lengths = np.asarray(split_lengths)
        ax.hist(np.minimum(split_lengths, upper), bins=edges, color="C0")
        truncated = float(np.mean(split_lengths > max_len)) if len(split_lengths) else 0.0
        ax.axvline(
            max_len, color="C3", linestyle="--",
            label=f"data.max_len = {max_len}: {truncated:.1%} truncated",
        )
        title = f"{split} ({len(split_lengths):,} texts"
        if len(split_lengths):
            title += f", median {np.median(split_lengths):.0f} tokens"
        longer = int((split_lengths > upper).sum())
        if longer:
            title += f"; the last bar includes {longer:,} longer than {upper}"
        ax.set_title(title + ")")
        ax.set_ylabel("texts")
        ax.legend(loc="upper right")
    axes[-1, 0].set_xlabel("tokens per text (after normalisation, before truncation)")
    axes[-1, 0].set_xlim(0, upper)
    return _save(fig, path)


def plot_word_cloud(counts: Mapping[str, int], title: str, path: Path) -> Any:
    """Saves a word cloud of the ``WORD_CLOUD_WORDS`` most frequent words of ``counts``
    (word -> occurrences), titled with ``title`` and the word totals."""
    from wordcloud import WordCloud

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 5.6))
    total = sum(counts.values())
    if counts:
        cloud = WordCloud(
            width=1000,
            height=500,
            background_color="white",
            max_words=WORD_CLOUD_WORDS,
            prefer_horizontal=1.0,
            random_state=0,
        ).generate_from_frequencies(counts)
        ax.imshow(cloud.to_array(), interpolation="bilinear")
    else:
        ax.text(0.5, 0.5, "no words", ha="center", va="center", fontsize=20)
    shown = min(WORD_CLOUD_WORDS, len(counts))
    ax.set_title(
        f"{title}\n{total:,} words, {len(counts):,} distinct; the {shown} most frequent shown"
    )
    ax.set_axis_off()
    return _save(fig, path)
