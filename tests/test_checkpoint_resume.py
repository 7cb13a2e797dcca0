"""Interrupted training: kill -9 and SIGTERM lose nothing, NaN stops with the good checkpoint."""

from __future__ import annotations

import re
import signal

import pytest
from train_helpers import (
    REPO_ROOT,
    SMOKE,
    comparable_rows,
    run_module,
    start_module,
    trained_workdir,
    wait_for,
)

from rnnjax.cli import load_config
from rnnjax.training import TrainingDivergedError, fit

pytestmark = pytest.mark.slow  # subprocess end-to-end runs


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, data_dir):
    return trained_workdir(tmp_path_factory.getbasetemp())


def test_kill_9_then_same_command_resumes_and_ends_like_an_uninterrupted_run(
    tmp_path, uninterrupted
):
    workdir, log = tmp_path / "run", tmp_path / "first.log"
    process = start_module("rnnjax.train", *SMOKE, "--workdir", str(workdir), log=log)
    wait_for(workdir / "checkpoints" / "5", process, log)
    process.kill()
    assert process.wait() == -signal.SIGKILL

    result = run_module("rnnjax.train", *SMOKE, "--workdir", str(workdir))
    assert result.returncode == 0, result.stderr[-3000:]
    resumed_from = int(re.search(r"resuming from checkpoint step (\d+)", result.stderr)[1])
    assert 5 <= resumed_from < 24
    assert "done: step 24, epoch 2" in result.stdout
    assert comparable_rows(workdir) == comparable_rows(uninterrupted)


def test_sigterm_saves_and_exits_cleanly(tmp_path):
    workdir, log = tmp_path / "run", tmp_path / "train.log"
    process = start_module("rnnjax.train", *SMOKE, "--workdir", str(workdir), log=log)
    wait_for(workdir / "checkpoints" / "5", process, log)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 143
    output = log.read_text()
    assert "Traceback" not in output
    stopped_at = int(re.search(r"stopped by SIGTERM at step (\d+); checkpoint saved", output)[1])
    steps = {int(p.name) for p in (workdir / "checkpoints").iterdir() if p.name.isdigit()}
    assert max(steps) == stopped_at


def test_nan_loss_stops_with_a_clear_error_and_keeps_the_last_good_checkpoint(tmp_path):
    config = load_config(f"{REPO_ROOT}/configs/bbc_news.py:smoke")
    config.train.update(learning_rate=1e30, checkpoint_every_steps=1)
    with pytest.raises(TrainingDivergedError, match="the training loss became nan") as error:
        fit(config, tmp_path)
    kept = int(re.search(r"last good checkpoint \(step (\d+)\) is kept", str(error.value))[1])
    assert (tmp_path / "checkpoints" / str(kept)).is_dir()
    assert "train.learning_rate" in str(error.value)
