"""Classify texts with a trained workdir.

    python -m rnnjax.predict --workdir runs/bbc "Shares rose after the bank's results" \\
        "The striker scored twice" [--input FILE] [--top_k 3] [--json]
    python -m rnnjax.predict --workdir runs/bbc_attention --explain "The striker scored twice" \\
        [--explain "..."] [--explain-html FILE] [--json]

Prints each text's predicted label and its top class probabilities; ``--json`` prints a list of
``{"text", "label", "probabilities"}`` objects (probabilities: every label -> float).

``--explain`` (models with ``model.pooling="attention"``) prints the tokens the model read, after
normalisation and truncation, each with the attention it gets (the mean over queries; they sum
to 1); ``--json`` adds ``tokens`` and ``weights`` to each object and ``--explain-html`` writes the
texts with each token shaded by its weight.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from absl import flags

from rnnjax.cli import run_cli
from rnnjax.errors import UserError

if TYPE_CHECKING:
    from rnnjax.training.restore import Restored

_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory written by rnnjax.train.")
_INPUT = flags.DEFINE_string("input", None, "File with one text per line (added to arguments).")
_CHECKPOINT = flags.DEFINE_string("checkpoint", "best", "best, latest, or a step number.")
_TOP_K = flags.DEFINE_integer("top_k", 3, "Probabilities shown per text (text output).")
_JSON = flags.DEFINE_bool("json", False, "Print a JSON list instead of text.")
_EXPLAIN = flags.DEFINE_multi_string(
    "explain", None,
    "A text to show token by token with the attention each token gets (repeatable); needs a "
    "model trained with model.pooling=attention.",
)
_EXPLAIN_HTML = flags.DEFINE_string(
    "explain-html", None, "With --explain: also write the texts shaded by attention to FILE."
)
flags.mark_flag_as_required("workdir")


def read_texts(arguments: Sequence[str], input_file: str | None) -> list[str]:
    """Texts from the command line, then from ``input_file`` (one per line, blank lines kept)."""
    texts = list(arguments)
    if input_file:
        path = Path(input_file)
        if not path.is_file():
            raise UserError(f"--input file {input_file} does not exist")
        texts += path.read_text(encoding="utf-8").splitlines()
    if not texts:
        raise UserError('no texts to classify; pass them as arguments or with --input FILE')
    return texts


def main(argv: Sequence[str]) -> None:
    """Restores the model and prints a prediction (or an explanation) per text."""
    if _EXPLAIN.value:
        if argv[1:] or _INPUT.value:
            raise UserError(
                "--explain takes its texts as values (--explain TEXT, repeatable); "
                "give no other texts or --input with it"
            )
    elif _EXPLAIN_HTML.value:
        raise UserError('--explain-html FILE writes the texts of --explain; add --explain "TEXT"')
    if _EXPLAIN_HTML.value and not Path(_EXPLAIN_HTML.value).parent.is_dir():
        raise UserError(
            f"--explain-html {_EXPLAIN_HTML.value}: folder {Path(_EXPLAIN_HTML.value).parent} "
            "does not exist"
        )
    texts = _EXPLAIN.value or read_texts(argv[1:], _INPUT.value)
    from rnnjax.training import restore  # JAX and Flax: after the command line is checked
    from rnnjax.training.inference import classify_texts

    restored = restore(_WORKDIR.value, _CHECKPOINT.value)
    if restored.labels is None:
        raise UserError(
            f"{_WORKDIR.value} holds a language model; use `python -m rnnjax.sample` instead"
        )
    if _EXPLAIN.value:
        _explain(restored, texts)
        return
    names = restored.labels.names
    results = []
    for text, row in zip(texts, classify_texts(restored, texts), strict=True):
        probabilities = {name: float(p) for name, p in zip(names, row, strict=True)}
        results.append(
            {"text": text, "label": names[int(row.argmax())], "probabilities": probabilities}
        )
    if _JSON.value:
        print(json.dumps(results))
        return
    for result in results:
        top = sorted(result["probabilities"].items(), key=lambda kv: -kv[1])[: _TOP_K.value]
        shown = ", ".join(f"{name} {p:.3f}" for name, p in top)
        print(f"{result['label']}\t({shown})\t{result['text'][:80]}")


def _explain(restored: Restored, texts: Sequence[str]) -> None:
    """Prints (and with --explain-html writes) each text's tokens with their attention."""
    from rnnjax.reports.attention import (
        explain_texts,
        explanation_json,
        explanations_html,
        format_explanation,
    )

    explanations = explain_texts(restored, texts)
    max_len = int(restored.config.data.max_len)
    if _EXPLAIN_HTML.value:
        page = explanations_html(explanations, f"Attention of {_WORKDIR.value}", max_len)
        try:
            Path(_EXPLAIN_HTML.value).write_text(page, encoding="utf-8")
        except OSError as error:
            raise UserError(
                f"cannot write --explain-html {_EXPLAIN_HTML.value}: {error.strerror}"
            ) from None
    if _JSON.value:
        print(json.dumps([explanation_json(e) for e in explanations]))
        return
    print("\n\n".join(format_explanation(e, max_len) for e in explanations))


if __name__ == "__main__":
    run_cli(main)
