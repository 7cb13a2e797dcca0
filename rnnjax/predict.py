"""Classify texts with a trained workdir.

    python -m rnnjax.predict --workdir runs/bbc "Shares rose after the bank's results" \\
        "The striker scored twice" [--input FILE] [--top_k 3] [--json]

Prints each text's predicted label and its top class probabilities; ``--json`` prints a list of
``{"text", "label", "probabilities"}`` objects (probabilities: every label -> float).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from absl import flags

from rnnjax.cli import run_cli
from rnnjax.errors import UserError

_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory written by rnnjax.train.")
_INPUT = flags.DEFINE_string("input", None, "File with one text per line (added to arguments).")
_CHECKPOINT = flags.DEFINE_string("checkpoint", "best", "best, latest, or a step number.")
_TOP_K = flags.DEFINE_integer("top_k", 3, "Probabilities shown per text (text output).")
_JSON = flags.DEFINE_bool("json", False, "Print a JSON list instead of text.")
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
    """Restores the model and prints a prediction per text."""
    from rnnjax.training import restore
    from rnnjax.training.inference import classify_texts

    texts = read_texts(argv[1:], _INPUT.value)
    restored = restore(_WORKDIR.value, _CHECKPOINT.value)
    if restored.labels is None:
        raise UserError(
            f"{_WORKDIR.value} holds a language model; use `python -m rnnjax.sample` instead"
        )
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


if __name__ == "__main__":
    run_cli(main)
