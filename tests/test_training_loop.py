"""The fit loop on the language-model task (in process): mid-epoch validation, early stopping,
resuming a finished run, and the LM evaluation report."""

from __future__ import annotations

import json
import math
import time

import jax.numpy as jnp
import pytest
from train_helpers import REPO_ROOT

from rnnjax.cli import load_config
from rnnjax.reports import evaluate_workdir
from rnnjax.text import Vocabulary
from rnnjax.training import fit
from rnnjax.training.loop import _Window


@pytest.fixture(scope="module")
def lm_run(tmp_path_factory):
    config = load_config(f"{REPO_ROOT}/configs/shakespeare_char.py:smoke")
    config.data.test_fraction = 0.9  # 8% of the tiny text for training: 22 steps per epoch
    config.train.update(epochs=3, eval_every_steps=10, patience=1, learning_rate=0.0)
    workdir = tmp_path_factory.mktemp("lm")
    return config, workdir, fit(config, workdir)


def test_language_model_validates_every_n_steps_and_stops_early(lm_run):
    _, workdir, result = lm_run
    # learning_rate 0: validation at step 10 is the best, step 20 does not improve -> stop.
    assert result.stopped_early and result.step == 20 and not result.preempted
    rows = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    validation = [row for row in rows if row["split"] == "validation"]
    assert [row["step"] for row in validation] == [10, 20]
    assert validation[0]["perplexity"] == pytest.approx(math.exp(validation[0]["loss"]))
    vocab_size = len(Vocabulary.load(workdir / "vocab.json"))
    assert validation[0]["loss"] == pytest.approx(math.log(vocab_size), rel=0.05)  # ~uniform
    assert validation[0]["num_tokens"] == result.validation["num_tokens"] > 0


def test_rerunning_a_stopped_run_returns_its_result_without_training(lm_run):
    config, workdir, result = lm_run
    again = fit(config, workdir)
    assert (again.step, again.stopped_early, again.validation) == (
        result.step, True, result.validation
    )


def test_lm_evaluation_reports_nats_per_token_and_perplexity(lm_run):
    _, workdir, result = lm_run
    metrics = evaluate_workdir(workdir, split="validation")
    assert metrics["checkpoint_step"] in (10, 20)  # equal losses: either is the best
    assert metrics["loss"] == pytest.approx(result.validation["loss"], rel=1e-6)
    assert metrics["num_tokens"] == result.validation["num_tokens"]
    assert metrics["perplexity"] == pytest.approx(math.exp(metrics["loss"]))
    assert (workdir / "report" / "curves.png").is_file()


def test_early_stop_at_an_epoch_end_counts_that_epoch(tmp_path):
    config = load_config(f"{REPO_ROOT}/configs/bbc_news.py:smoke")  # 12 steps per epoch
    config.train.update(epochs=4, eval_every_steps=4, patience=2, learning_rate=0.0)
    result = fit(config, tmp_path)
    assert result.stopped_early and (result.step, result.epoch) == (12, 1)


def test_throughput_clock_starts_at_the_first_step_of_a_window():
    """Time before a window's first step (compiling, validating, saving) is not train time."""
    window = _Window()
    time.sleep(0.5)
    sums = {name: jnp.float32(value) for name, value in
            dict(loss=2.0, correct=1.0, weight=2.0, tokens=1000.0).items()}
    window.add(sums, step=1)
    window.add(sums, step=2)
    time.sleep(0.05)
    metrics = window.read()
    assert metrics["loss"] == 1.0 and metrics["accuracy"] == 0.5
    assert 2000 / 0.5 < metrics["tokens_per_sec"] <= 2000 / 0.05
