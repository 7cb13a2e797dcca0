"""Attention made visible: ``predict --explain/--explain-html`` and evaluate's attention.html
show the model's own weights (checked against numpy's scaled dot-product softmax of the encoder
outputs), over the tokens it read, summing to 1; other models get a one-line error."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import jax
import numpy as np
import pytest
from train_helpers import ATTENTION, error_line, run_module, trained_workdir

from rnnjax.data import load_corpus, text_normalizer
from rnnjax.models.encoder import RecurrentEncoder
from rnnjax.training import restore
from rnnjax.training.inference import classify_texts

SHORT = "Shares rose after the bank's results"
UNKNOWN = "zzzz qqqq"  # two out-of-vocabulary words


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return trained_workdir(tmp_path_factory.getbasetemp(), *ATTENTION)


@pytest.fixture(scope="module")
def texts(workdir):
    """A short text, unknown words, an empty text and a test article longer than max_len."""
    restored = restore(workdir)
    clean = text_normalizer(restored.config.data)
    test = load_corpus(restored.config.data).test.texts
    long = next(t for t in test if len(clean(t).split()) > restored.config.data.max_len)
    return [SHORT, UNKNOWN, "", long]


def tokens_read(restored, text: str) -> list[str]:
    """The tokens the model reads: normalised words, unknown ones as <oov>, cut at max_len."""
    vocabulary = set(restored.vocab.tokens)
    words = text_normalizer(restored.config.data)(text).split()
    return [w if w in vocabulary else "<oov>" for w in words][: restored.config.data.max_len]


def numpy_attention(restored, texts: list[str]) -> list[np.ndarray]:
    """Per text: softmax(scale * h h^T) over its real steps, from the encoder outputs h the
    model computes, averaged over the queries (float64)."""
    d = restored.config.data
    clean = text_normalizer(d)
    ids = [restored.vocab.encode(clean(t))[: d.max_len] for t in texts]
    tokens = np.zeros((len(ids), d.max_len), np.int32)
    for row, seq in enumerate(ids):
        tokens[row, : len(seq)] = seq
    lengths = np.array([len(seq) for seq in ids], np.int32)
    _, state = restored.model.apply(
        {"params": restored.params}, tokens, lengths,
        capture_intermediates=lambda module, method: isinstance(module, RecurrentEncoder),
    )
    outputs = np.asarray(state["intermediates"]["encoder"]["__call__"][0][0], np.float64)
    scale = float(jax.device_get(restored.params["pooling"]["attention"]["scale"]))
    weights = []
    for row, n in enumerate(lengths):
        if n == 0:
            weights.append(np.zeros(0))
            continue
        h = outputs[row, :n]
        scores = scale * h @ h.T
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        weights.append((e / e.sum(axis=1, keepdims=True)).mean(axis=0))
    return weights


class _Spans(HTMLParser):
    """Collects (text, title) of every <span> and counts <section>s."""

    def __init__(self):
        super().__init__()
        self.spans, self.sections, self._title = [], 0, None

    def handle_starttag(self, tag, attrs):
        self.sections += tag == "section"
        if tag == "span":
            self._title = dict(attrs)["title"]

    def handle_data(self, data):
        if self._title is not None:
            self.spans.append((data, float(self._title)))
            self._title = None


def test_weights_are_the_scaled_dot_product_softmax_over_the_tokens_read(
    workdir, texts, tmp_path
):
    page = tmp_path / "explain.html"
    args = [arg for text in texts for arg in ("--explain", text)]
    result = run_module(
        "rnnjax.predict", "--workdir", str(workdir), *args, "--explain-html", str(page), "--json"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    explained = json.loads(result.stdout)
    restored = restore(workdir)
    max_len = restored.config.data.max_len
    plain = classify_texts(restored, texts)
    names = restored.labels.names
    for item, want, probabilities, text in zip(
        explained, numpy_attention(restored, texts), plain, texts, strict=True
    ):
        read = tokens_read(restored, text)
        assert item["tokens"] == read and item["text"] == text
        assert len(item["weights"]) == len(read) <= max_len
        if read:
            assert sum(item["weights"]) == pytest.approx(1.0, abs=1e-5)
        np.testing.assert_allclose(item["weights"], want, atol=2e-6)
        assert item["label"] == names[int(probabilities.argmax())]
        np.testing.assert_allclose(list(item["probabilities"].values()), probabilities, atol=1e-6)
    assert explained[1]["tokens"] == ["<oov>", "<oov>"] and explained[2]["tokens"] == []
    assert len(explained[3]["tokens"]) == max_len

    html = page.read_text()
    assert "<script" not in html and "<link" not in html and "src=" not in html
    parser = _Spans()
    parser.feed(html)
    assert parser.sections == len(texts)
    assert [token for token, _ in parser.spans] == [t for e in explained for t in e["tokens"]]
    weights = [w for e in explained for w in e["weights"]]
    np.testing.assert_allclose([w for _, w in parser.spans], weights, atol=5e-5)


def test_text_output_lists_each_token_with_its_weight(workdir):
    result = run_module("rnnjax.predict", "--workdir", str(workdir), "--explain", SHORT)
    assert result.returncode == 0, result.stderr[-3000:]
    header, *lines = result.stdout.strip().splitlines()
    read = tokens_read(restore(workdir), SHORT)
    assert re.fullmatch(rf"\w+ [\d.]+: {len(read)} tokens read of {len(read)}", header), header
    rows = [line.split() for line in lines]
    assert [row[0] for row in rows] == read
    assert sum(float(row[1]) for row in rows) == pytest.approx(1.0, abs=1e-3)


def test_evaluate_writes_attention_examples(workdir):
    result = run_module("rnnjax.evaluate", "--workdir", str(workdir))
    assert result.returncode == 0, result.stderr[-3000:]
    html = (workdir / "report" / "attention.html").read_text()
    parser = _Spans()
    parser.feed(html)
    assert parser.sections == 8 and len(parser.spans) > 8
    assert html.count(", true label ") == 8
    assert (workdir / "report" / "misclassified.md").is_file()


def test_a_model_without_attention_is_one_line(tmp_path_factory):
    smoke = trained_workdir(tmp_path_factory.getbasetemp())
    line = error_line(run_module("rnnjax.predict", "--workdir", str(smoke), "--explain", SHORT))
    assert "model.pooling='mean' and has no attention weights" in line
    assert "--config.model.pooling=attention" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--explain-html", "x.html", SHORT), "--explain-html FILE writes the texts of --explain"),
        (("--explain", SHORT, "another text"), "--explain takes its texts as values"),
        (
            ("--explain", SHORT, "--explain-html", "/no/such/dir/x.html"),
            "--explain-html /no/such/dir/x.html: folder /no/such/dir does not exist",
        ),
    ],
)
def test_explain_misuse_is_one_line_before_any_model_is_loaded(tmp_path, args, expected):
    line = error_line(run_module("rnnjax.predict", "--workdir", str(tmp_path), *args))
    assert expected in line
