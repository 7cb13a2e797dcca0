"""``python -m rnnjax.data describe --config configs/bbc_news.py[:variant] [--json] [--plots DIR]``.

Prints, per split, the number of examples and of each class, the vocabulary size, the OOV rate,
token length percentiles (50/90/99) and the share truncated at ``data.max_len``. ``--plots DIR``
also draws the corpus (``rnnjax.reports.corpus``): label distribution per split, length
histograms with the truncation point, word clouds of the raw and cleaned train and test text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import ml_collections
from absl import flags
from ml_collections import config_flags

from rnnjax.cli import run_cli
from rnnjax.errors import UserError

if TYPE_CHECKING:
    from rnnjax.data import ClassificationData, LanguageModelData

COMMANDS = ("describe",)

_CONFIG = config_flags.DEFINE_config_file("config", None, "Experiment config file[:variant].")
_JSON = flags.DEFINE_bool("json", False, "Print one JSON object instead of tables.")
_PLOTS = flags.DEFINE_string(
    "plots", None, "Also draw the corpus into folder DIR: label distribution, lengths, word clouds."
)


def main(argv: Sequence[str]) -> None:
    """Runs the command named in ``argv``."""
    commands = list(argv[1:])
    if commands != ["describe"]:
        raise UserError(
            f"expected one command from {COMMANDS}, got {commands or 'none'}; usage: "
            "python -m rnnjax.data describe --config configs/bbc_news.py [--json] [--plots DIR]"
        )
    if _CONFIG.value is None:
        raise UserError("--config is required, e.g. --config configs/bbc_news.py")
    from rnnjax.data.describe import describe, format_description, prepare_for

    config = _CONFIG.value
    if _PLOTS.value and Path(_PLOTS.value).exists() and not Path(_PLOTS.value).is_dir():
        raise UserError(f"--plots {_PLOTS.value} is a file; give a folder to draw into")
    data = prepare_for(config)
    stats = describe(config, data)
    print(json.dumps(stats) if _JSON.value else format_description(stats))
    if _PLOTS.value:
        _plot(config, data, Path(_PLOTS.value))


def _plot(
    config: ml_collections.ConfigDict,
    data: ClassificationData | LanguageModelData,
    directory: Path,
) -> None:
    """Draws the corpus into ``directory``; says (on stderr) what it wrote and what does not
    apply, so stdout stays the statistics (or the JSON)."""
    from rnnjax.reports.corpus import corpus_plot_data, write_corpus_plots

    plot_data = corpus_plot_data(config, data)
    try:
        figures = write_corpus_plots(plot_data, directory)
    except OSError as error:
        raise UserError(f"cannot draw into --plots {directory}: {error.strerror}") from None
    print(f"plots written to {directory}/: {', '.join(figures)}", file=sys.stderr)
    for name, why in plot_data.not_applicable.items():
        print(f"{name}: not drawn: {why}", file=sys.stderr)


if __name__ == "__main__":
    run_cli(main)
