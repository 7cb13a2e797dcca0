"""Train variants x seeds of a config family, score them on test beside TF-IDF baselines fitted
on the same rows, and write the comparison.

    python -m rnnjax.compare --config configs/newsgroups.py --variants maxpool_lstm,maxpool_gru \\
        --seeds 3 --workdir runs/cmp [--config.data.split_seed=4 ...]

Training seeds are 0..N-1 (``train.seed``); ``--config.*`` overrides apply to every variant and
to the baselines' data. Rerunning reuses finished runs and resumes interrupted ones. Writes
``comparison.md``, ``comparison.json``, ``validation_curves.png`` and ``confusion_<model>.png``
into the workdir, one run workdir per variant and seed under ``runs/``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from absl import flags
from ml_collections import config_flags

from rnnjax.cli import run_cli
from rnnjax.errors import UserError

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Config family file, e.g. configs/bbc_news.py (variants: --variants)."
)
_VARIANTS = flags.DEFINE_list("variants", None, "Comma-separated variants of the config file.")
_SEEDS = flags.DEFINE_integer("seeds", 3, "Training seeds per variant: 0..N-1.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Folder of the comparison and its runs.")
flags.mark_flags_as_required(["config", "variants", "workdir"])

PREEMPTED_EXIT_CODE = 143  # as rnnjax.train: stopped by SIGTERM, rerun to resume


def main(argv: Sequence[str]) -> None:
    """Loads every variant (with the overrides) first, so a bad name fails before training."""
    if len(argv) > 1:
        raise UserError(f"unexpected arguments {argv[1:]}; compare takes only flags")
    path = config_flags.get_config_filename(flags.FLAGS["config"])
    if ":" in path:
        raise UserError(
            f"--config {path}: give the file alone and the variants with --variants "
            f"(e.g. --config {path.split(':')[0]} --variants {path.split(':')[1]})"
        )
    if _SEEDS.value < 1:
        raise UserError(f"--seeds must be at least 1, got {_SEEDS.value}")
    overrides = config_flags.get_override_values(flags.FLAGS["config"])
    from rnnjax.comparison import compare, load_variants

    configs = load_variants(path, _VARIANTS.value, overrides)
    rows = compare(path, configs, _SEEDS.value, Path(_WORKDIR.value))
    if rows is None:
        print(
            "stopped by SIGTERM, checkpoint saved; rerun the same command to resume",
            file=sys.stderr,
        )
        sys.exit(PREEMPTED_EXIT_CODE)
    for row in rows:
        print(
            f"{row['name']:<24} accuracy {row['accuracy_mean']:.4f} ± {row['accuracy_std']:.4f}"
            f"  macro-F1 {row['macro_f1_mean']:.4f}"
        )
    print(f"comparison written to {_WORKDIR.value}/comparison.md")


if __name__ == "__main__":
    run_cli(main)
