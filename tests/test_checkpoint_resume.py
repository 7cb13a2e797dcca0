"""Interrupted training: kill -9 and SIGTERM lose nothing, NaN stops with the good checkpoint."""

from __future__ import annotations

import re
import signal

import jax
import numpy as np
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
from rnnjax.training import TrainingDivergedError, fit, restore

pytestmark = pytest.mark.slow  # subprocess end-to-end runs


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
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


@pytest.mark.parametrize(
    ("eval_every_steps", "expected"),
    [
        (0, r"the training loss became (nan|inf) at step 3; checkpoint step 2, whose state gave"),
        (2, r"the validation loss became (nan|inf) at step 2; the last good checkpoint"),
    ],
)
def test_nan_loss_stops_with_a_clear_error_and_keeps_the_last_good_checkpoint(
    tmp_path, eval_every_steps, expected
):
    config = load_config(f"{REPO_ROOT}/configs/bbc_news.py:smoke")
    # Learning rate 0 at step 1, then 1e24: the state after step 2 has blown-up weights, so
    # the loss of step 3 (or the validation at step 2) is not finite.
    config.train.update(
        learning_rate=1e30, schedule="warmup_cosine", warmup_steps=10**6,
        checkpoint_every_steps=1, eval_every_steps=eval_every_steps,
    )
    with pytest.raises(TrainingDivergedError, match=expected) as error:
        fit(config, tmp_path)
    kept = int(re.search(r"last good checkpoint \(step (\d+)\) is kept", str(error.value))[1])
    assert kept == 1
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["1"]
    assert "train.learning_rate" in str(error.value) and "new --workdir" in str(error.value)
    restored = restore(tmp_path, "latest")  # what evaluate and predict now find: finite
    assert restored.step == 1
    assert all(np.isfinite(x).all() for x in jax.tree.leaves(restored.params))
    if eval_every_steps == 0:
        assert (tmp_path / "checkpoints_broken" / "2").is_dir()
    rows = (tmp_path / "metrics.jsonl").read_text() if (tmp_path / "metrics.jsonl").exists() else ""
    assert "NaN" not in rows and "Infinity" not in rows
