"""Train a model from an ml-collections config; rerunning the same command resumes.

    python -m rnnjax.train --config configs/bbc_news.py:gru --workdir runs/bbc \\
        [--config.train.epochs=3 ...]

Multi-host: add --coordinator_address=HOST:PORT --num_processes=N --process_id=I on every
process (or launch under SLURM / Open MPI, whose environment is detected).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from absl import flags
from ml_collections import config_flags

from rnnjax.cli import run_cli
from rnnjax.errors import UserError

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment config file[:variant], e.g. configs/bbc_news.py:gru."
)
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory (checkpoints, logs, vocab).")
_COORDINATOR = flags.DEFINE_string(
    "coordinator_address", None, "host:port of process 0, for multi-process training."
)
_NUM_PROCESSES = flags.DEFINE_integer("num_processes", None, "Processes in a multi-host run.")
_PROCESS_ID = flags.DEFINE_integer("process_id", None, "This process's index (0-based).")
flags.mark_flags_as_required(["config", "workdir"])

PREEMPTED_EXIT_CODE = 143  # 128 + SIGTERM: the run stopped early but saved; rerun to resume


def main(argv: Sequence[str]) -> None:
    """Initializes multi-host JAX if asked, then trains (or resumes) the config in the workdir."""
    if len(argv) > 1:
        raise UserError(f"unexpected arguments {argv[1:]}; train takes only flags")
    from rnnjax.training import distributed

    distributed.initialize(_COORDINATOR.value, _NUM_PROCESSES.value, _PROCESS_ID.value)
    from rnnjax.training import fit

    result = fit(_CONFIG.value, _WORKDIR.value)
    summary = " ".join(
        f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
        for k, v in result.validation.items()
    )
    if result.preempted:
        print(
            f"stopped by SIGTERM at step {result.step}; checkpoint saved in {_WORKDIR.value}; "
            "rerun the same command to resume",
            file=sys.stderr,
        )
        sys.exit(PREEMPTED_EXIT_CODE)
    ending = "stopped early" if result.stopped_early else "done"
    print(f"{ending}: step {result.step}, epoch {result.epoch}, validation {summary}")


if __name__ == "__main__":
    run_cli(main)
