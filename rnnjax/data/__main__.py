"""``python -m rnnjax.data describe --config configs/bbc_news.py[:variant] [--json]``.

Prints, per split, the number of examples and of each class, the vocabulary size, the OOV rate,
token length percentiles (50/90/99) and the share truncated at ``data.max_len``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from absl import flags
from ml_collections import config_flags

from rnnjax.cli import run_cli
from rnnjax.errors import UserError

COMMANDS = ("describe",)

_CONFIG = config_flags.DEFINE_config_file("config", None, "Experiment config file[:variant].")
_JSON = flags.DEFINE_bool("json", False, "Print one JSON object instead of tables.")


def main(argv: Sequence[str]) -> None:
    """Runs the command named in ``argv``."""
    commands = list(argv[1:])
    if commands != ["describe"]:
        raise UserError(
            f"expected one command from {COMMANDS}, got {commands or 'none'}; usage: "
            "python -m rnnjax.data describe --config configs/bbc_news.py [--json]"
        )
    if _CONFIG.value is None:
        raise UserError("--config is required, e.g. --config configs/bbc_news.py")
    from rnnjax.data.describe import describe, format_description

    stats = describe(_CONFIG.value)
    print(json.dumps(stats) if _JSON.value else format_description(stats))


if __name__ == "__main__":
    run_cli(main)
