"""`python -m rnnjax.train` end to end on the tiny BBC corpus (and on the real one when it is
there), and every bad-input row of issue 4."""

from __future__ import annotations

import json

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from train_helpers import SMOKE, error_line, run_module, trained_workdir


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return trained_workdir(tmp_path_factory.getbasetemp())


def test_training_writes_a_complete_workdir(workdir):
    config = json.loads((workdir / "config.json").read_text())
    assert config["variant"] == "smoke" and config["train"]["checkpoint_every_steps"] == 5
    assert (workdir / "vocab.json").is_file() and (workdir / "labels.json").is_file()
    rows = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    validation = [r for r in rows if r["split"] == "validation"]
    assert [r["step"] for r in validation] == [12, 24]  # 200 examples // 16 = 12 steps/epoch
    assert all(r["num_examples"] == 30 for r in validation)  # 10% of the tiny BBC
    train = [r for r in rows if r["split"] == "train"]
    assert {"loss", "accuracy", "tokens_per_sec"} <= set(train[0])
    events = EventAccumulator(str(workdir / "tb")).Reload()
    tags = set(events.Tags()["tensors"]) | set(events.Tags()["scalars"])
    assert {"train/loss", "train/accuracy", "validation/loss", "validation/accuracy"} <= tags
    steps = sorted(int(p.name) for p in (workdir / "checkpoints").iterdir() if p.name.isdigit())
    assert 24 in steps and len(steps) <= 3  # latest 2 + best


def test_rerun_of_a_finished_run_does_nothing_more(workdir):
    before = (workdir / "metrics.jsonl").read_text()
    result = run_module("rnnjax.train", *SMOKE, "--workdir", str(workdir))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resuming from checkpoint step 24" in result.stderr
    assert "done: step 24, epoch 2" in result.stdout
    assert (workdir / "metrics.jsonl").read_text() == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--config.model.celll=gru"], "unknown config key 'model.celll'; valid keys in model: "),
        (["--config.train.batch_size=abc"], "config key 'train.batch_size' takes an int"),
    ],
)
def test_bad_config_override_names_the_key(tmp_path, args, expected):
    result = run_module("rnnjax.train", *SMOKE, *args, "--workdir", str(tmp_path))
    line = error_line(result)
    assert expected in line
    if "valid keys" in expected:
        assert "cell" in line and "hidden_size" in line


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("configs/nope.py", "config file configs/nope.py does not exist; available configs: "),
        ("configs/bbc_news.py:nope", "unknown variant 'nope' of configs/bbc_news.py; valid: "),
    ],
)
def test_missing_config_file_or_variant_lists_the_choices(tmp_path, config, expected):
    line = error_line(run_module("rnnjax.train", "--config", config, "--workdir", str(tmp_path)))
    assert expected in line
    assert "configs/bbc_news.py" in line if "file" in expected else "'smoke'" in line


def test_batch_not_divisible_by_device_count_names_both(tmp_path):
    result = run_module(
        "rnnjax.train", *SMOKE, "--config.train.batch_size=18", "--workdir", str(tmp_path),
        XLA_FLAGS="--xla_force_host_platform_device_count=4",
    )
    assert "train.batch_size=18 is not divisible by the device count 4" in error_line(result)


def test_workdir_of_a_different_config_is_refused(workdir):
    before = sorted(p.name for p in (workdir / "checkpoints").iterdir())
    result = run_module(
        "rnnjax.train", *SMOKE, "--config.model.cell=lstm", "--config.train.learning_rate=0.05",
        "--workdir", str(workdir),
    )
    line = error_line(result)
    assert "holds a run of a different config" in line
    assert "model.cell ('gru' -> 'lstm')" in line and "train.learning_rate" in line
    assert sorted(p.name for p in (workdir / "checkpoints").iterdir()) == before


def test_real_bbc_smoke_run_learns(tmp_path, real_data_dir):
    """The smoke config on the real BBC corpus: trains, and the test report beats chance."""
    workdir, env = str(tmp_path / "real"), {"RNNJAX_DATA_DIR": str(real_data_dir)}
    result = run_module("rnnjax.train", *SMOKE, "--workdir", workdir, **env)
    assert result.returncode == 0, result.stderr[-3000:]
    result = run_module("rnnjax.evaluate", "--workdir", workdir, "--json", **env)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads(result.stdout)
    assert metrics["num_examples"] == 212  # 10% of the 2,119 articles left after deduplication
    rows = json.loads((tmp_path / "real" / "rows.json").read_text())
    assert sorted(len(ids) for ids in rows.values()) == [200, 212, 212]  # smoke keeps 200 train
    assert not set(rows["test"]) & (set(rows["train"]) | set(rows["validation"]))
    assert metrics["accuracy"] > 0.35  # chance (the largest class) is 0.23
