"""``python -m rnnjax.compare`` end to end on the tiny BBC: one comparison (two smoke seeds),
interrupted by SIGTERM, resumed, then rerun and reused; the baselines on the runs' rows."""

from __future__ import annotations

import json
import signal

import numpy as np
import pytest
import tiny_corpora as tiny
from PIL import Image
from train_helpers import error_line, run_module, start_module, wait_for

from rnnjax.baselines import fit_baselines
from rnnjax.cli import load_config
from rnnjax.data import prepare_classification

pytestmark = pytest.mark.slow  # subprocess end-to-end runs

TRAIN_ROWS = 150  # an override every run and the baselines must see
ARGS = (
    "--config", "configs/bbc_news.py", "--variants", "smoke", "--seeds", "2",
    "--config.train.checkpoint_every_steps=5", f"--config.data.max_train_examples={TRAIN_ROWS}",
)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """The comparison's folder and the stdout of its three commands: interrupted, resumed,
    reused."""
    root = tmp_path_factory.mktemp("compare") / "cmp"
    log = root.parent / "first.log"
    process = start_module("rnnjax.compare", *ARGS, "--workdir", str(root), log=log)
    wait_for(root / "runs" / "smoke" / "seed0" / "checkpoints" / "5", process, log)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 143, log.read_text()[-3000:]
    outputs = [log.read_text()]
    for _ in range(2):
        result = run_module("rnnjax.compare", *ARGS, "--workdir", str(root))
        assert result.returncode == 0, result.stderr[-3000:]
        outputs.append(result.stdout)
    return root, outputs


def test_interrupted_run_resumes_and_finished_runs_are_reused(compared):
    _, (first, resumed, reused) = compared
    assert "rerun the same command to resume" in first
    assert "[1/2] smoke seed 0: resumed and trained to epoch 2" in resumed
    assert "[2/2] smoke seed 1: trained to epoch 2" in resumed
    assert "[1/2] smoke seed 0: reused" in reused and "[2/2] smoke seed 1: reused" in reused
    assert "trained" not in reused


def test_comparison_json_rows_and_outputs(compared):
    root, _ = compared
    report = json.loads((root / "comparison.json").read_text())
    rows = {row["name"]: row for row in report["rows"]}
    assert list(rows) == ["smoke", "tfidf_linearsvc", "tfidf_logreg"]
    assert [row["kind"] for row in rows.values()] == ["recurrent", "baseline", "baseline"]
    smoke = rows["smoke"]
    assert len(smoke["accuracies"]) == len(smoke["macro_f1s"]) == 2
    assert smoke["accuracy_mean"] == pytest.approx(np.mean(smoke["accuracies"]))
    assert smoke["accuracy_std"] == pytest.approx(np.std(smoke["accuracies"], ddof=1))
    assert smoke["macro_f1_mean"] == pytest.approx(np.mean(smoke["macro_f1s"]))
    assert all(len(row["accuracies"]) == 1 for name, row in rows.items() if name != "smoke")
    assert {row["num_test_examples"] for row in rows.values()} == {30}
    assert report["duplicates"]["removed"] == tiny.BBC_DUPLICATES
    for seed in (0, 1):
        result = json.loads((root / "runs" / "smoke" / f"seed{seed}" / "result.json").read_text())
        assert result["accuracy"] == smoke["accuracies"][seed]
        steps_per_epoch = TRAIN_ROWS // 16  # smoke's batch size
        assert result["best_step"] in (steps_per_epoch, 2 * steps_per_epoch)  # validated steps
        assert result["num_params"] > 0 and result["epochs"] == 2
    table = (root / "comparison.md").read_text()
    for name in rows:
        assert f"| {name} |" in table
    for png in ["validation_curves.png", *(f"confusion_{name}.png" for name in rows)]:
        with Image.open(root / png) as image:
            assert image.format == "PNG"


def test_baselines_fit_exactly_the_rows_the_runs_trained_on(compared):
    root, _ = compared
    config = load_config("configs/bbc_news.py:smoke")
    config.data.max_train_examples = TRAIN_ROWS
    data = prepare_classification(config.data)
    for seed in (0, 1):
        rows = json.loads((root / "runs" / "smoke" / f"seed{seed}" / "rows.json").read_text())
        assert rows == data.row_ids() and len(rows["train"]) == TRAIN_ROWS
    report = json.loads((root / "comparison.json").read_text())
    baselines = {row["name"]: row for row in report["rows"] if row["kind"] == "baseline"}
    for result in fit_baselines(data.splits):
        assert baselines[result.name]["accuracies"] == [result.accuracy]
        assert baselines[result.name]["c"] == result.c


def test_unknown_variant_is_one_line_naming_it(tmp_path):
    result = run_module(
        "rnnjax.compare", "--config", "configs/bbc_news.py", "--variants", "smoke,nope",
        "--workdir", str(tmp_path),
    )
    line = error_line(result)
    assert "'nope'" in line and "configs/bbc_news.py" in line and "smoke" in line
    result = run_module(
        "rnnjax.compare", "--config", "configs/bbc_news.py:smoke", "--variants", "smoke",
        "--workdir", str(tmp_path),
    )
    assert "--variants smoke" in error_line(result)


def test_variants_that_split_different_rows_are_refused_before_training(tmp_path):
    result = run_module(
        "rnnjax.compare", "--config", "configs/bbc_news.py", "--variants", "smoke,gru",
        "--workdir", str(tmp_path),
    )
    assert "variants 'smoke' and 'gru' split different rows" in error_line(result)
    assert not (tmp_path / "runs").exists()
