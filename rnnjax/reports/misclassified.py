"""``report/misclassified.md``: a classifier's most confident errors, the first place to look
for label noise, duplicates across classes and what the model gets wrong."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

MAX_ERRORS = 20  # rows in the table
MAX_CHARS = 300  # characters of each text shown

# What can start markup inside a table cell (links, emphasis, code, strike-through, math) or
# end the cell; ``&`` and ``<`` become entities instead (HTML).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
_WHITESPACE = re.compile(r"\s+")


def confident_errors(
    probabilities: np.ndarray, truth: np.ndarray, limit: int = MAX_ERRORS
) -> np.ndarray:
    """Indices of misclassified rows, most confident first, at most ``limit``.

    Args:
      probabilities: float[N, C] class probabilities.
      truth: int[N] true class ids.

    Returns:
      int64[K]: rows whose argmax is not the true class, sorted by the probability of the
      (wrong) predicted class, descending; ties keep row order.
    """
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != truth)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:limit]


def markdown_cell(text: str, max_chars: int = MAX_CHARS) -> str:
    """``text`` as one markdown table cell: whitespace runs (newlines too) become one space, the
    text is cut to ``max_chars`` (with "…"), characters that start markup or end the cell are
    backslash-escaped and ``&``/``<`` are HTML entities, so no text can break the table."""
    flat = _WHITESPACE.sub(" ", text).strip()
    cut = flat[:max_chars] + ("…" if len(flat) > max_chars else "")
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", cut)
    return escaped.replace("&", "&amp;").replace("<", "&lt;")


def misclassified_markdown(
    texts: Sequence[str],
    truth: np.ndarray,
    probabilities: np.ndarray,
    names: Sequence[str],
    split: str,
    limit: int = MAX_ERRORS,
) -> str:
    """The markdown page of the ``limit`` most confident errors on ``split``.

    One table row per error: rank, the row's index in the split, the probability of the
    predicted class, predicted and true label, the true label's probability and the text.
    """
    rows = confident_errors(probabilities, truth, limit)
    errors = int((probabilities.argmax(axis=1) != truth).sum())
    lines = [
        f"# Most confident errors on the {split} split",
        "",
        f"{errors} of {len(truth)} {split} texts are misclassified. The {len(rows)} below "
        "are those with the highest probability for their (wrong) predicted label; texts are "
        f"cut to {MAX_CHARS} characters. `row` is the text's index in the {split} split.",
        "",
        "| # | row | p(predicted) | predicted | true | p(true) | text |",
        "|---:|---:|---:|---|---|---:|---|",
    ]
    for rank, row in enumerate(rows, 1):
        p = probabilities[row]
        predicted, true = int(p.argmax()), int(truth[row])
        lines.append(
            f"| {rank} | {row} | {p[predicted]:.4f} | {markdown_cell(names[predicted])} | "
            f"{markdown_cell(names[true])} | {p[true]:.4f} | {markdown_cell(texts[row])} |"
        )
    return "\n".join(lines) + "\n"
