"""``python -m rnnjax.data describe --plots DIR`` and rnnjax.reports.corpus: the files are valid
PNGs, every number drawn equals an independent recount, nothing is clipped, and what does not
apply to a language model is said instead of drawn."""

from __future__ import annotations

import collections
import json
import re

import numpy as np
import pytest
from PIL import Image
from train_helpers import error_line, run_module

from configs.bbc_news import get_config as bbc_config
from configs.newsgroups import get_config as newsgroups_config
from rnnjax.data import load_corpus
from rnnjax.data.describe import prepare_for
from rnnjax.data.prepare import stopwords_for
from rnnjax.reports.corpus import corpus_plot_data, write_corpus_plots
from rnnjax.reports.plots import plot_label_distribution

CLASSIFICATION_PLOTS = {
    "label_distribution.png",
    "lengths.png",
    "wordcloud_train_raw.png",
    "wordcloud_train_cleaned.png",
    "wordcloud_test_raw.png",
    "wordcloud_test_cleaned.png",
}


def _clean_words(text: str, stopwords: frozenset[str]) -> list[str]:
    """The smoke config's normalisation written out: lowercase, punctuation, "_" and digits to
    spaces, stopwords dropped."""
    spaced = re.sub(r"[^\w\s]|_|\d", " ", text.lower())
    return [word for word in spaced.split() if word not in stopwords]


@pytest.fixture(scope="module")
def bbc_plots(tmp_path_factory):
    config = bbc_config("smoke")
    plot_data = corpus_plot_data(config, prepare_for(config))
    figures = write_corpus_plots(plot_data, tmp_path_factory.mktemp("plots"))
    return config, plot_data, figures


def test_cli_writes_valid_pngs_and_keeps_stdout_for_the_statistics(tmp_path):
    out = tmp_path / "new" / "plots"
    result = run_module(
        "rnnjax.data", "describe", "--config", "configs/bbc_news.py:smoke", "--json",
        "--plots", str(out),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["task"] == "classification"
    assert {p.name for p in out.iterdir()} == CLASSIFICATION_PLOTS
    assert f"plots written to {out}/" in result.stderr
    for path in out.iterdir():
        with Image.open(path) as image:
            image.verify()
            assert image.format == "PNG" and min(image.size) >= 300


def test_label_bars_are_the_class_counts(bbc_plots):
    config, _, figures = bbc_plots
    corpus = load_corpus(config.data)
    axes = figures["label_distribution.png"].axes
    assert [ax.get_title().split(" (")[0] for ax in axes] == ["train", "validation", "test"]
    assert [t.get_text() for t in axes[0].get_yticklabels()] == list(corpus.label_names)
    for ax, split in zip(axes, (corpus.train, corpus.validation, corpus.test), strict=True):
        widths = [bar.get_width() for bar in ax.patches]
        expected = collections.Counter(split.labels)
        assert widths == [expected[c] for c in range(len(corpus.label_names))]
        assert ax.get_title().endswith(f"({len(split.labels):,} texts)")
        assert ax.get_xlabel() == "texts"


def test_length_histograms_count_every_text_and_mark_max_len(bbc_plots):
    config, _, figures = bbc_plots
    corpus = load_corpus(config.data)
    stopwords = stopwords_for(config.data)
    axes = figures["lengths.png"].axes
    for ax, split in zip(axes, (corpus.train, corpus.validation, corpus.test), strict=True):
        lengths = np.array([len(_clean_words(t, stopwords)) for t in split.texts])
        bars = ax.patches
        edges = [bars[0].get_x()] + [bar.get_x() + bar.get_width() for bar in bars]
        want, _ = np.histogram(np.minimum(lengths, edges[-1]), bins=edges)
        assert [bar.get_height() for bar in bars] == want.tolist()
        (line,) = ax.get_lines()
        assert list(line.get_xdata()) == [config.data.max_len] * 2
        share = np.mean(lengths > config.data.max_len)
        assert line.get_label() == f"data.max_len = {config.data.max_len}: {share:.1%} truncated"
        assert ax.get_ylabel() == "texts"
    assert axes[-1].get_xlabel().startswith("tokens per text")


def test_word_clouds_count_the_raw_and_the_cleaned_words(bbc_plots):
    config, plot_data, figures = bbc_plots
    corpus = load_corpus(config.data)
    stopwords = stopwords_for(config.data)
    for name, split in (("train", corpus.train), ("test", corpus.test)):
        cleaned = collections.Counter(w for t in split.texts for w in _clean_words(t, stopwords))
        raw = collections.Counter(
            w for t in split.texts for w in t.split() if re.search(r"[^\W_]", w)
        )
        assert plot_data.word_counts[(name, "cleaned")] == cleaned
        assert plot_data.word_counts[(name, "raw")] == raw
        assert not stopwords & set(cleaned) and stopwords & set(raw)
        for kind, counts in (("raw", raw), ("cleaned", cleaned)):
            title = figures[f"wordcloud_{name}_{kind}.png"].axes[0].get_title()
            assert f"{sum(counts.values()):,} words, {len(counts):,} distinct" in title


def _assert_nothing_clipped(figure) -> None:
    """Everything drawn (titles, labels, tick labels, bars, images) lies inside the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    drawn = figure.get_tightbbox(FigureCanvasAgg(figure).get_renderer())  # inches
    page = figure.bbox_inches
    assert drawn.x0 >= page.x0 - 0.01 and drawn.x1 <= page.x1 + 0.01, (drawn, page)
    assert drawn.y0 >= page.y0 - 0.01 and drawn.y1 <= page.y1 + 0.01, (drawn, page)


def test_twenty_long_class_names_are_all_shown_and_nothing_is_clipped(tmp_path, bbc_plots):
    config = newsgroups_config("smoke")
    config.data.categories = ()  # all 20 groups, their long names
    plot_data = corpus_plot_data(config, prepare_for(config))
    twenty = plot_label_distribution(
        plot_data.class_counts, plot_data.label_names, tmp_path / "labels.png"
    )
    labels = [t.get_text() for t in twenty.axes[0].get_yticklabels()]
    assert len(labels) == 20 and "comp.os.ms-windows.misc" in labels
    for figure in [twenty, *bbc_plots[2].values()]:
        _assert_nothing_clipped(figure)


def test_language_model_draws_the_stream_and_says_what_does_not_apply(tmp_path):
    result = run_module(
        "rnnjax.data", "describe", "--config", "configs/shakespeare_char.py:smoke",
        "--plots", str(tmp_path),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert [p.name for p in tmp_path.iterdir()] == ["wordcloud_stream_raw.png"]
    assert "label_distribution.png: not drawn: a language model's text has no labels" in (
        result.stderr
    )
    assert "lengths.png: not drawn: a language model reads one stream" in result.stderr
    assert "wordcloud_stream_cleaned.png: not drawn: the config normalises nothing" in (
        result.stderr
    )


def test_plots_into_a_file_is_one_line(tmp_path):
    path = tmp_path / "taken"
    path.write_text("")
    line = error_line(
        run_module("rnnjax.data", "describe", "--config", "configs/bbc_news.py:smoke",
                   "--plots", str(path))
    )
    assert line == f"error: --plots {path} is a file; give a folder to draw into"
