"""The shell launchers: `--dry-run` prints the exact commands they would run, and runs nothing."""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import REPO_ROOT


def dry_run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REPO_ROOT / "launch" / script), *args, "--dry-run"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )


@pytest.mark.parametrize("script", ["local.sh", "multi_gpu.sh", "slurm.sh"])
def test_single_run_launchers_pass_config_workdir_and_overrides(script: str) -> None:
    result = dry_run(script, "configs/bbc_news.py:lstm", "runs/x", "--config.train.epochs=1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("+")
    for expected in ("rnnjax.train", "configs/bbc_news.py:lstm", "--config.train.epochs=1"):
        assert expected in lines[0]


def test_slurm_passes_the_distributed_flags() -> None:
    result = dry_run("slurm.sh", "configs/bbc_news.py", "runs/x")
    assert "--coordinator_address" in result.stdout and "--process_id" in result.stdout


def test_tpu_pod_runs_on_every_worker() -> None:
    result = dry_run("tpu_pod.sh", "my-pod", "us-central2-b", "configs/bbc_news.py", "gs://b/run")
    assert result.returncode == 0, result.stderr
    assert "--worker=all" in result.stdout and "gs://b/run" in result.stdout


def test_sweep_runs_one_comparison_of_the_variants() -> None:
    variants = ("maxpool_lstm", "maxpool_gru")
    result = dry_run(
        "sweep_lstm_gru.sh", "configs/newsgroups.py", "runs/ng", *variants,
        "--config.data.split_seed=4",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "+ python -m rnnjax.compare --config configs/newsgroups.py --variants "
        "maxpool_lstm\\,maxpool_gru --seeds 3 --workdir runs/ng --config.data.split_seed=4"
    ]


def test_sweep_defaults_to_lstm_and_gru_and_takes_seeds_from_the_environment() -> None:
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "launch" / "sweep_lstm_gru.sh"), "c.py", "runs/x", "--dry-run"],
        capture_output=True, text=True, check=False, cwd=REPO_ROOT,
        env={**os.environ, "SEEDS": "5"},
    )
    assert result.returncode == 0, result.stderr
    assert "--variants lstm\\,gru --seeds 5 --workdir runs/x" in result.stdout  # %q-quoted


@pytest.mark.parametrize("script", ["local.sh", "sweep_lstm_gru.sh", "tpu_pod.sh"])
def test_missing_arguments_print_usage(script: str) -> None:
    result = dry_run(script)
    assert result.returncode == 2 and result.stderr.startswith("usage:")
