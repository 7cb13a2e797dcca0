"""Evaluate a trained workdir and write its report, or score an ensemble of several.

    python -m rnnjax.evaluate --workdir runs/bbc [--split test] [--checkpoint best|latest|STEP]
        [--json]
    python -m rnnjax.evaluate --workdir runs/bbc_gru --workdir runs/bbc_lstm [...]

One workdir: prints accuracy, macro-F1 and the per-class report (language models: loss in
nats/token, perplexity, tokens) and writes ``report/`` in the workdir. Several (classifiers
with the same labels and rows): averages their class probabilities and prints the ensemble's
accuracy and macro-F1 beside each member's; no files are written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from absl import flags

from rnnjax.cli import run_cli
from rnnjax.errors import UserError

_WORKDIR = flags.DEFINE_multi_string(
    "workdir", None, "Run directory written by rnnjax.train; repeat it to evaluate an ensemble."
)
_SPLIT = flags.DEFINE_enum(
    "split", None, ["train", "validation", "test"],
    "Split to evaluate (default: test for classifiers, validation for language models).",
)
_CHECKPOINT = flags.DEFINE_string(
    "checkpoint", "best", "best (lowest validation loss), latest, or a step number (every member)."
)
_JSON = flags.DEFINE_bool("json", False, "Print one JSON object instead of text.")
flags.mark_flag_as_required("workdir")


def main(argv: Sequence[str]) -> None:
    """Evaluates and prints the metrics."""
    if len(argv) > 1:
        raise UserError(f"unexpected arguments {argv[1:]}; evaluate takes only flags")
    if len(_WORKDIR.value) > 1:
        print_ensemble()
        return
    from rnnjax.reports import evaluate_workdir

    (workdir,) = _WORKDIR.value
    metrics = evaluate_workdir(workdir, _SPLIT.value, _CHECKPOINT.value)
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
    print(f"report written to {workdir}/report/")


def print_ensemble() -> None:
    """Scores the ensemble of every --workdir and prints it beside its members."""
    from rnnjax.reports import evaluate_ensemble

    metrics = evaluate_ensemble(_WORKDIR.value, _SPLIT.value, _CHECKPOINT.value)
    if _JSON.value:
        print(json.dumps(metrics))
        return
    members = metrics["members"]
    print(f"split {metrics['split']}, {metrics['num_examples']} examples")
    print(f"{'accuracy':>8}  {'macro-F1':>8}  {'step':>6}  model")
    for member in members:
        print(
            f"{member['accuracy']:8.4f}  {member['macro_f1']:8.4f}  "
            f"{member['checkpoint_step']:>6}  {member['workdir']}"
        )
    ensemble = metrics["ensemble"]
    print(
        f"{ensemble['accuracy']:8.4f}  {ensemble['macro_f1']:8.4f}  {'':>6}  ensemble "
        f"(mean of {len(members)} members' probabilities)"
    )


if __name__ == "__main__":
    run_cli(main)
