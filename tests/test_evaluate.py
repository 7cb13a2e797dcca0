"""`python -m rnnjax.evaluate` on a trained workdir: metrics, report files, checkpoint choice."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from train_helpers import error_line, run_module, trained_workdir

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return trained_workdir(tmp_path_factory.getbasetemp())


def test_json_report_matches_an_independent_recount(workdir):
    result = run_module("rnnjax.evaluate", "--workdir", str(workdir), "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads(result.stdout)
    assert metrics["num_examples"] == 30 and metrics["split"] == "test"
    assert metrics["checkpoint_step"] in (12, 24)  # the best of the two validations
    report = workdir / "report"
    assert json.loads((report / "metrics.json").read_text()) == metrics
    per_class = metrics["per_class"]
    supports = np.array([per_class[name]["support"] for name in per_class])
    recalls = np.array([per_class[name]["recall"] for name in per_class])
    assert supports.sum() == 30
    assert metrics["accuracy"] == pytest.approx((recalls * supports).sum() / 30)
    f1 = [per_class[name]["f1-score"] for name in per_class]
    assert metrics["macro_f1"] == pytest.approx(np.mean(f1))
    for name in ("confusion_matrix.png", "curves.png"):
        assert (report / name).read_bytes().startswith(PNG)
    assert "macro avg" in (report / "classification_report.txt").read_text()


def test_text_output_and_explicit_checkpoint_step(workdir):
    result = run_module("rnnjax.evaluate", "--workdir", str(workdir), "--checkpoint", "24",
                        "--split", "validation")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("checkpoint step 24, split validation: accuracy ")
    assert "precision    recall  f1-score   support" in result.stdout


def test_workdir_without_checkpoint_says_how_to_train(tmp_path, workdir):
    for name in ("config.json", "vocab.json", "labels.json"):
        shutil.copy(workdir / name, tmp_path / name)
    line = error_line(run_module("rnnjax.evaluate", "--workdir", str(tmp_path)))
    assert "no checkpoint in" in line and "python -m rnnjax.train" in line


def test_corrupt_checkpoint_falls_back_or_is_named(tmp_path, workdir):
    copy = tmp_path / "run"
    shutil.copytree(workdir, copy)
    steps = sorted(int(p.name) for p in (copy / "checkpoints").iterdir() if p.name.isdigit())
    broken = steps[-1]
    for path in (copy / "checkpoints" / str(broken) / "state").rglob("*"):
        if path.is_file() and path.parent.name == "d":
            path.write_bytes(b"truncated")
    result = run_module("rnnjax.evaluate", "--workdir", str(copy), "--checkpoint", "latest",
                        "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["checkpoint_step"] == steps[-2]
    assert f"checkpoint step {broken} is unreadable" in result.stderr
    assert "Traceback" not in result.stderr
    line = error_line(
        run_module("rnnjax.evaluate", "--workdir", str(copy), "--checkpoint", str(broken))
    )
    assert f"checkpoint step {broken} in" in line and "is unreadable" in line
