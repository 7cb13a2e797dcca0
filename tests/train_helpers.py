"""Helpers shared by the training/evaluate/predict tests: CLI subprocesses and one trained run.

Not a test module. The smoke run below is trained once per session and copied to each worker.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SMOKE = ["--config", "configs/bbc_news.py:smoke", "--config.train.checkpoint_every_steps=5"]
ATTENTION = ("--config.model.pooling=attention",)  # the smoke model with attention pooling

_trained: dict[tuple[str, ...], Path] = {}


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: repo on PYTHONPATH, CPU JAX, quiet TensorFlow."""
    env = dict(os.environ)
    env.update(PYTHONPATH=str(REPO_ROOT), JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    env.update(extra)
    return env


def run_module(module: str, *args: str, timeout: float = 240, **env: str):
    """Runs ``python -m module args`` from the repo root; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_module(module: str, *args: str, log: Path, **env: str) -> subprocess.Popen:
    """Starts ``python -m module args`` in the background, stdout and stderr into ``log``."""
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=REPO_ROOT,
            env=cli_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


def wait_for(path: Path, process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    """Polls until ``path`` exists; fails if ``process`` ends first or time runs out."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"exited {process.returncode}: {log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def comparable_rows(workdir: Path) -> list[dict]:
    """metrics.jsonl without wall-clock fields (tokens/s differs run to run)."""
    rows = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in row.items() if k != "tokens_per_sec"} for row in rows]


def trained_workdir(root: Path, *overrides: str) -> Path:
    """The BBC smoke run (2 epochs, checkpoints every 5 steps), with ``overrides`` such as
    ``ATTENTION``: trained once per session for all test workers, each of which gets its own
    copy under ``root`` (tests may write reports into it)."""
    if overrides not in _trained:
        name = "bbc_smoke"
        if overrides:
            name += "_" + hashlib.sha1("\0".join(overrides).encode()).hexdigest()[:8]
        shared = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
        trained = shared / "shared_runs" / name
        trained.parent.mkdir(parents=True, exist_ok=True)
        with (trained.parent / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker trains, the others wait
            if not (trained / "TRAINED").exists():
                shutil.rmtree(trained, ignore_errors=True)
                result = run_module("rnnjax.train", *SMOKE, *overrides, "--workdir", str(trained))
                assert result.returncode == 0, result.stderr[-3000:]
                (trained / "TRAINED").touch()
        workdir = root / name
        shutil.copytree(trained, workdir, ignore=shutil.ignore_patterns("TRAINED"))
        _trained[overrides] = workdir
    return _trained[overrides]


def error_line(result: subprocess.CompletedProcess) -> str:
    """Asserts a CLI failed with exit 2 and one ``error:`` line, no traceback; returns it."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr[-2000:]
    return lines[0]
