"""Model utilities on the command line.

    python -m rnnjax.models summary --config configs/newsgroups.py:maxpool_gru [--num_classes=20]

``summary`` prints a Keras-style table (layer, output shape, parameters) of the config's model
(of one member, and the total, for a ``model.ensemble_size`` > 1 ensemble).
The classifier's class count comes from --num_classes, else from the corpus's label names
(which needs the corpus in the data dir); the vocabulary is ``data.max_words`` rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from absl import flags
from ml_collections import config_flags

from rnnjax.cli import run_cli
from rnnjax.errors import UserError

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment config file[:variant], e.g. configs/newsgroups.py:maxpool_lstm."
)
_NUM_CLASSES = flags.DEFINE_integer(
    "num_classes", 0, "Classifier outputs; 0 counts the labels of the config's corpus."
)
flags.mark_flags_as_required(["config"])

COMMANDS = ("summary",)


def summary(config) -> str:
    """The summary table of ``config``'s model, at its sequence length with batch None."""
    import jax.numpy as jnp

    from rnnjax.models.build import build_model
    from rnnjax.models.summary import format_summary, summarize

    classifier = config.model.kind == "classifier"
    num_classes = _NUM_CLASSES.value
    if classifier and not num_classes:
        from rnnjax.data import load_corpus

        num_classes = len(load_corpus(config.data).label_names)
    members = config.model.ensemble_size
    member_cfg = config.model.copy_and_resolve_references()
    member_cfg.ensemble_size = 1  # an ensemble is shown as one of its identical members
    model = build_model(
        member_cfg, vocab_size=config.data.max_words, num_classes=num_classes or None
    )
    if classifier:
        args = (jnp.zeros((1, config.data.max_len), jnp.int32), jnp.ones((1,), jnp.int32))
    else:
        args = (jnp.zeros((1, config.data.seq_len), jnp.int32),)
    rows, total = summarize(model, *args)
    if members == 1:
        return format_summary(type(model).__name__, rows, total)
    title = f"{type(model).__name__}, one of an ensemble of {members}"
    return f"{format_summary(title, rows, total)}\nEnsemble params: {members * total:,}"


def main(argv: Sequence[str]) -> None:
    if list(argv[1:]) != ["summary"]:
        raise UserError(f"expected one command from {COMMANDS}, got {list(argv[1:])}")
    print(summary(_CONFIG.value))


if __name__ == "__main__":
    run_cli(main)
