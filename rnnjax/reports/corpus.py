"""Pictures of a corpus (``python -m rnnjax.data describe --plots DIR``).

Classification corpora: the label distribution of each split, token-length histograms with the
truncation point ``data.max_len``, and word clouds of the raw and of the cleaned training and test
texts (reference 003 shows all four: what normalisation and stopword removal leave). Language
models read one token stream: word clouds of the raw and of the cleaned stream; the label and
length plots do not apply, and :attr:`CorpusPlotData.not_applicable` says why.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ml_collections
import numpy as np

from rnnjax.data import ClassificationData, LanguageModelData, load_text, text_normalizer
from rnnjax.reports.plots import plot_label_distribution, plot_length_histograms, plot_word_cloud

WORD_CLOUD_SPLITS = ("train", "test")
LABEL_PLOT = "label_distribution.png"
LENGTH_PLOT = "lengths.png"


@dataclasses.dataclass(frozen=True)
class CorpusPlotData:
    """The numbers behind the corpus plots.

    Attributes:
      label_names: the C class names (empty for a language model).
      class_counts: split -> int[C] texts per class (classification only).
      lengths: split -> int[N] tokens per text after normalisation, before truncation.
      max_len: ``data.max_len``, the truncation point.
      word_counts: (part, "raw" | "cleaned") -> word -> occurrences; part is a split, or
        "stream" for a language model's whole text.
      not_applicable: plot file -> why it is not drawn for this corpus.
      cleaning: what "cleaned" means for this config, e.g. "lowercased, nltk stopwords removed"
        (no "cleaned" clouds are drawn when the config cleans nothing: they would be the raw ones).
    """

    label_names: list[str]
    class_counts: dict[str, np.ndarray]
    lengths: dict[str, np.ndarray]
    max_len: int
    word_counts: dict[tuple[str, str], collections.Counter]
    not_applicable: dict[str, str]
    cleaning: str


def cleaning_steps(data_cfg: ml_collections.ConfigDict) -> str:
    """The normalisation steps ``data`` switches on, in words ("" for none)."""
    switches = {"punctuation": data_cfg.strip_punctuation, "digits": data_cfg.strip_digits}
    stripped = [what for what, on in switches.items() if on]
    steps = ["lowercased"] if data_cfg.lowercase else []
    if stripped:
        steps.append(" and ".join(stripped) + " stripped")
    if data_cfg.stopwords != "none":
        steps.append(f"{data_cfg.stopwords} stopwords removed")
    return ", ".join(steps)


def word_counts(texts: Iterable[str]) -> collections.Counter:
    """Occurrences of each whitespace-separated word holding a letter or digit (bare
    punctuation such as "-" or ">" is no word; case and attached punctuation are kept)."""
    return collections.Counter(
        word for text in texts for word in text.split() if any(c.isalnum() for c in word)
    )


def corpus_plot_data(
    config: ml_collections.ConfigDict, data: ClassificationData | LanguageModelData
) -> CorpusPlotData:
    """What the plots of ``config``'s corpus show; ``data`` is its prepared form."""
    clean = text_normalizer(config.data)
    cleaning = cleaning_steps(config.data)
    not_applicable = {}
    if isinstance(data, LanguageModelData):
        text, _ = load_text(config.data)
        parts = {"stream": [text]}
        not_applicable[LABEL_PLOT] = "a language model's text has no labels"
        not_applicable[LENGTH_PLOT] = (
            "a language model reads one stream, cut into windows of "
            f"data.seq_len={config.data.seq_len} tokens, not texts of their own lengths"
        )
        names, class_counts, lengths = [], {}, {}
    else:
        parts = {split: data.splits[split].texts for split in WORD_CLOUD_SPLITS}
        names = list(data.labels.names)
        class_counts = {
            name: np.bincount(split.labels, minlength=len(names))
            for name, split in data.splits.items()
        }
        lengths = {name: split.lengths() for name, split in data.splits.items()}
    if not cleaning:
        for part in parts:
            not_applicable[cloud_file(part, "cleaned")] = (
                "the config normalises nothing, so the cleaned text is the raw text"
            )
    counts = {}
    for part, texts in parts.items():
        counts[(part, "raw")] = word_counts(texts)
        if cleaning:
            counts[(part, "cleaned")] = word_counts(clean(t) for t in texts)
    return CorpusPlotData(
        label_names=names,
        class_counts=class_counts,
        lengths=lengths,
        max_len=int(config.data.max_len),
        word_counts=counts,
        not_applicable=not_applicable,
        cleaning=cleaning,
    )


def cloud_file(part: str, kind: str) -> str:
    """The file name of the word cloud of ``part`` (a split or "stream"), ``kind`` raw|cleaned."""
    return f"wordcloud_{part}_{kind}.png"


def write_corpus_plots(plot_data: CorpusPlotData, directory: str | Path) -> dict[str, Any]:
    """Draws every plot that applies into ``directory`` (created if needed).

    Returns:
      file name -> its matplotlib figure (closed; it still holds what was drawn).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    figures = {}
    if plot_data.class_counts:
        figures[LABEL_PLOT] = plot_label_distribution(
            plot_data.class_counts, plot_data.label_names, directory / LABEL_PLOT
        )
    if plot_data.lengths:
        figures[LENGTH_PLOT] = plot_length_histograms(
            plot_data.lengths, plot_data.max_len, directory / LENGTH_PLOT
        )
    for (part, kind), counts in plot_data.word_counts.items():
        name = cloud_file(part, kind)
        what = "whole text stream" if part == "stream" else f"{part} split"
        how = "raw text" if kind == "raw" else f"cleaned text ({plot_data.cleaning})"
        figures[name] = plot_word_cloud(counts, f"Word cloud: {what}, {how}", directory / name)
    return figures
