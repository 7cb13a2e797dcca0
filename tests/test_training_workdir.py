"""config.json identity checks and metrics.jsonl history of a workdir."""

from __future__ import annotations

import json

import pytest

from rnnjax.configs import classification_config
from rnnjax.errors import CheckpointError
from rnnjax.training import workdir as files


def test_same_config_and_resumable_keys_pass(tmp_path):
    config = classification_config()
    files.write_config(tmp_path, config)
    config.train.epochs = 50  # continuing for more epochs is the same run
    files.check_same_run(tmp_path, config)
    assert files.read_config(tmp_path).train.epochs == classification_config().train.epochs


def test_different_config_names_the_differing_keys(tmp_path):
    config = classification_config()
    files.write_config(tmp_path, config)
    config.model.cell = "lstm"
    config.train.learning_rate = 0.1
    with pytest.raises(CheckpointError, match=r"model\.cell.*train\.learning_rate"):
        files.check_same_run(tmp_path, config)


def test_keys_added_since_a_run_was_saved_differ_only_off_their_defaults(tmp_path):
    config = classification_config()
    saved = files.config_to_dict(config)
    del saved["pretrain"], saved["train"]["init_from"]  # a run from before these keys
    (tmp_path / files.CONFIG_FILE).write_text(json.dumps(saved))
    files.check_same_run(tmp_path, config)
    config.pretrain.enabled = True
    with pytest.raises(CheckpointError, match=r"pretrain\.enabled \(None -> True\)"):
        files.check_same_run(tmp_path, config)


def test_read_config_gives_keys_added_since_the_run_their_defaults(tmp_path):
    saved = files.config_to_dict(classification_config())
    saved["model"]["cell"] = "lstm"
    del saved["pretrain"], saved["model"]["weight_drop"]  # a run from before these keys
    (tmp_path / files.CONFIG_FILE).write_text(json.dumps(saved))
    config = files.read_config(tmp_path)
    assert config.model.cell == "lstm"  # saved values win
    assert config.model.weight_drop == 0.0 and config.pretrain.enabled is False


def test_read_config_of_a_non_workdir_says_how_to_train(tmp_path):
    with pytest.raises(CheckpointError, match=r"python -m rnnjax\.train"):
        files.read_config(tmp_path)


def test_truncate_metrics_drops_rows_a_resumed_run_rewrites(tmp_path):
    for step in (5, 10, 15):
        files.append_metrics(tmp_path, {"step": step, "split": "train", "loss": 1.0})
    files.truncate_metrics(tmp_path, 10)
    assert [row["step"] for row in files.read_metrics(tmp_path)] == [5, 10]


def test_a_row_cut_short_by_a_kill_is_dropped(tmp_path):
    files.append_metrics(tmp_path, {"step": 5, "split": "train", "loss": 1.0})
    with (tmp_path / files.METRICS_FILE).open("a") as f:
        f.write('{"step": 10, "spl')
    assert files.read_metrics(tmp_path) == [{"step": 5, "split": "train", "loss": 1.0}]
    files.truncate_metrics(tmp_path, 10)
    assert (tmp_path / files.METRICS_FILE).read_text().count("\n") == 1
