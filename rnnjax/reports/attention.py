"""Attention made visible: the tokens an attention classifier read, with the weight each got.

``explain_texts`` runs the restored model itself (``rnnjax.training.inference.attention_weights``)
and shows the tokens it saw: after the training normalisation and stopword removal, truncated to
``data.max_len``, unknown words as ``<oov>``. ``format_explanation`` is the terminal view,
``explanations_html`` a self-contained page with each token shaded by its weight.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence

import numpy as np

from rnnjax.training.restore import Restored

BAR_WIDTH = 30  # characters of the bar of the most attended token in the terminal view
RAW_TEXT_CHARS = 2000  # the raw text shown under each explanation in the HTML page


@dataclasses.dataclass(frozen=True)
class Explanation:
    """One text's prediction and the attention behind it.

    Attributes:
      text: the raw text.
      tokens: the n tokens the model read, in order.
      weights: float32[n], the attention each token got (mean over queries); sums to 1.
      label: the predicted label.
      probabilities: every label -> its probability.
      true_label: the label in the corpus, when known (evaluation reports).
      num_tokens: tokens after normalisation, before truncation to ``data.max_len``.
    """

    text: str
    tokens: list[str]
    weights: np.ndarray
    label: str
    probabilities: dict[str, float]
    true_label: str | None
    num_tokens: int


def explain_texts(
    restored: Restored, texts: Sequence[str], true_labels: Sequence[str] | None = None
) -> list[Explanation]:
    """Explains ``texts`` with the restored attention classifier (ConfigError for another)."""
    from rnnjax.data import encode_texts
    from rnnjax.training.inference import attention_weights

    ids = encode_texts(texts, restored.config.data, restored.vocab)
    probabilities, seen, weights = attention_weights(restored, ids)
    vocabulary, names = restored.vocab.tokens, restored.labels.names
    truths = list(true_labels) if true_labels is not None else [None] * len(texts)
    return [
        Explanation(
            text=text,
            tokens=[vocabulary[i] for i in seen_ids],
            weights=w,
            label=names[int(p.argmax())],
            probabilities={name: float(x) for name, x in zip(names, p, strict=True)},
            true_label=truth,
            num_tokens=len(all_ids),
        )
        for text, all_ids, seen_ids, w, p, truth in zip(
            texts, ids, seen, weights, probabilities, truths, strict=True
        )
    ]


def explanation_json(explanation: Explanation) -> dict:
    """A JSON-ready dict: ``text``, ``label``, ``probabilities``, ``tokens``, ``weights``."""
    return {
        "text": explanation.text,
        "label": explanation.label,
        "probabilities": explanation.probabilities,
        "tokens": explanation.tokens,
        "weights": [float(w) for w in explanation.weights],
    }


def _header(explanation: Explanation, max_len: int) -> str:
    """Prediction, true label and how many tokens were read, in one line."""
    seen = len(explanation.tokens)
    cut = f", truncated to data.max_len={max_len}" if explanation.num_tokens > seen else ""
    truth = "" if explanation.true_label is None else f", true label {explanation.true_label}"
    return (
        f"{explanation.label} {explanation.probabilities[explanation.label]:.3f}{truth}: "
        f"{seen} tokens read of {explanation.num_tokens}{cut}"
    )


def format_explanation(explanation: Explanation, max_len: int) -> str:
    """The header line, then one line per token read: the token, its weight and a bar."""
    lines = [_header(explanation, max_len)]
    if not explanation.tokens:
        return lines[0] + " (nothing is left after normalisation)"
    width = max(len(token) for token in explanation.tokens)
    top = float(explanation.weights.max())
    for token, weight in zip(explanation.tokens, explanation.weights, strict=True):
        bar = "#" * round(BAR_WIDTH * float(weight) / top) if top > 0 else ""
        lines.append(f"  {token:<{width}}  {weight:.4f}  {bar}")
    return "\n".join(lines)


def explanations_html(explanations: Sequence[Explanation], title: str, max_len: int) -> str:
    """A self-contained HTML page: per text, its tokens shaded by attention weight.

    A token's shade is its weight relative to the text's largest (the darkest token); its
    exact weight shows on hover. Uniform attention over n tokens would give each 1/n.
    """
    sections = []
    for explanation in explanations:
        n = len(explanation.tokens)
        top = float(explanation.weights.max()) if n else 0.0
        spans = " ".join(
            f'<span style="background: rgba(214, 39, 40, {float(w) / top if top else 0:.3f})" '
            f'title="{float(w):.4f}">{html.escape(token)}</span>'
            for token, w in zip(explanation.tokens, explanation.weights, strict=True)
        )
        scale = (
            f"darkest = largest weight {top:.4f}; uniform would be 1/{n} = {1 / n:.4f}"
            if n
            else "no tokens read"
        )
        raw = explanation.text[:RAW_TEXT_CHARS] + (
            "…" if len(explanation.text) > RAW_TEXT_CHARS else ""
        )
        sections.append(
            f"<section>\n<h2>{html.escape(_header(explanation, max_len))}</h2>\n"
            f'<p class="scale">{scale}</p>\n<p class="tokens">{spans}</p>\n'
            f"<details><summary>raw text</summary><p>{html.escape(raw)}</p></details>\n"
            "</section>"
        )
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>\n"
        "body { font-family: sans-serif; max-width: 60em; margin: 2em auto; line-height: 1.9; }\n"
        "h2 { font-size: 1.05em; margin-bottom: 0; }\n"
        ".scale, details { color: #555; font-size: 0.9em; }\n"
        "details p { white-space: pre-wrap; line-height: 1.4; }\n"
        ".tokens span { padding: 0.1em 0.15em; border-radius: 0.2em; }\n"
        "section { border-top: 1px solid #ccc; padding-top: 0.5em; }\n"
        "</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        "<p>Each token the model read (after normalisation, stopword removal and truncation) "
        "is shaded by the attention it gets: the mean over the text's queries of the "
        "softmax weights, which sum to 1 over its tokens. Hover a token for its weight.</p>\n"
        f"{body}\n</body>\n</html>\n"
    )
