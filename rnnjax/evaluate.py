"""Evaluate a trained workdir and write its report.

    python -m rnnjax.evaluate --workdir runs/bbc [--split test] [--checkpoint best|latest|STEP]
        [--json]

Prints accuracy, macro-F1 and the per-class report (language models: loss in nats/token,
perplexity, tokens) and writes ``report/`` in the workdir.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from absl import flags

from rnnjax.cli import run_cli
from rnnjax.errors import UserError

_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory written by rnnjax.train.")
_SPLIT = flags.DEFINE_enum(
    "split", None, ["train", "validation", "test"],
    "Split to evaluate (default: test for classifiers, validation for language models).",
)
_CHECKPOINT = flags.DEFINE_string(
    "checkpoint", "best", "best (lowest validation loss), latest, or a step number."
)
_JSON = flags.DEFINE_bool("json", False, "Print one JSON object instead of text.")
flags.mark_flag_as_required("workdir")


def main(argv: Sequence[str]) -> None:
    """Evaluates and prints the metrics."""
    if len(argv) > 1:
        raise UserError(f"unexpected arguments {argv[1:]}; evaluate takes only flags")
    from rnnjax.reports import evaluate_workdir

    metrics = evaluate_workdir(_WORKDIR.value, _SPLIT.value, _CHECKPOINT.value)
    text = metrics.pop("report_text", None)
    if _JSON.value:
        print(json.dumps(metrics))
        return
    head = f"checkpoint step {metrics['checkpoint_step']}, split {metrics['split']}"
    if text is None:
        print(
            f"{head}: loss {metrics['loss']:.4f} nats/token, perplexity "
            f"{metrics['perplexity']:.3f}, {metrics['num_tokens']} tokens"
        )
    else:
        print(
            f"{head}: accuracy {metrics['accuracy']:.4f}, macro-F1 {metrics['macro_f1']:.4f}, "
            f"{metrics['num_examples']} examples\n\n{text}"
        )
    print(f"report written to {_WORKDIR.value}/report/")


if __name__ == "__main__":
    run_cli(main)
