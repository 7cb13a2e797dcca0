"""Trains configs/shakespeare_char.py and reports validation nats/char and wall time.

    python benchmarks/bench_shakespeare.py --workdir runs/bench_shakespeare [--variant gru] \\
        [--config.train.epochs=5 ...]

Runs ``python -m rnnjax.train`` in a fresh workdir (so the time is one uninterrupted run), then
prints each validation of metrics.jsonl (nats/char, bits/char, perplexity) and the best. A run
stopped early (SIGTERM to the training process) still reports what it reached, marked partial.
Goal: at most 1.50 nats/char on the validation split. Extra ``--config.*`` flags pass through.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

GOAL_NATS = 1.50
PREEMPTED = 143  # rnnjax.train's exit code when SIGTERM stopped it after saving
REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="runs/bench_shakespeare", help="fresh run directory")
    parser.add_argument("--variant", default="gru", help="variant of configs/shakespeare_char.py")
    args, overrides = parser.parse_known_args()
    workdir = Path(args.workdir)
    if workdir.exists():
        sys.exit(f"error: {workdir} exists; pass a fresh --workdir so the timing is one whole run")
    command = [
        sys.executable, "-m", "rnnjax.train",
        "--config", f"{REPO / 'configs/shakespeare_char.py'}:{args.variant}",
        "--workdir", str(workdir), *overrides,
    ]
    start = time.perf_counter()
    returncode = subprocess.run(command, cwd=REPO).returncode
    wall = time.perf_counter() - start
    if returncode not in (0, PREEMPTED):
        sys.exit(f"error: training failed with exit code {returncode}")
    rows = [
        json.loads(line)
        for line in (workdir / "metrics.jsonl").read_text().splitlines()
        if '"validation"' in line
    ]
    status = "complete" if returncode == 0 else "PARTIAL: stopped by SIGTERM"
    print(f"\nshakespeare_char:{args.variant} {' '.join(overrides)} ({status})")
    print(f"{'step':>6} {'epoch':>6} {'nats/char':>10} {'bits/char':>10} {'perplexity':>11}")
    for row in rows:
        nats = row["loss"]
        print(f"{row['step']:>6} {row['epoch']:>6.1f} {nats:>10.4f} {nats / math.log(2):>10.4f} "
              f"{math.exp(nats):>11.3f}")
    if not rows:
        sys.exit(f"no validation in {workdir}/metrics.jsonl yet (train for at least one epoch)")
    best = min(row["loss"] for row in rows)
    verdict = "meets" if best <= GOAL_NATS else "misses"
    print(f"best validation {best:.4f} nats/char in {wall / 60:.1f} min: {verdict} the goal "
          f"of <= {GOAL_NATS}")


if __name__ == "__main__":
    main()
