"""Ensembles in `python -m rnnjax.evaluate`: mean probabilities of members on the same rows."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from train_helpers import ATTENTION, error_line, run_module, trained_workdir

from rnnjax.data import load_corpus
from rnnjax.reports.evaluation import ensemble_predictions, scores
from rnnjax.training import restore
from rnnjax.training.inference import classify_texts


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    """Two smoke runs of different configs (last vs attention pooling) on the same rows."""
    root = tmp_path_factory.getbasetemp()
    return [trained_workdir(root), trained_workdir(root, *ATTENTION)]


def test_ensemble_is_the_mean_of_independently_computed_member_probabilities(members):
    got = ensemble_predictions(members, "test")
    independent = []
    for workdir in members:
        member = restore(workdir)
        test = load_corpus(member.config.data).test
        independent.append(classify_texts(member, test.texts))
    np.testing.assert_allclose(got.members, np.stack(independent), rtol=1e-6)
    np.testing.assert_allclose(got.probabilities, np.mean(independent, axis=0), rtol=1e-6)
    np.testing.assert_array_equal(got.truth, test.labels)


def test_cli_reports_the_ensemble_beside_each_member(members):
    args = ["--workdir", str(members[0]), "--workdir", str(members[1])]
    result = run_module("rnnjax.evaluate", *args, "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads(result.stdout)
    predictions = ensemble_predictions(members, "test")
    assert metrics["ensemble"] == pytest.approx(
        scores(predictions.truth, predictions.probabilities)
    )
    assert [m["workdir"] for m in metrics["members"]] == [str(w) for w in members]
    for member, probabilities in zip(metrics["members"], predictions.members, strict=True):
        assert member["accuracy"] == pytest.approx(scores(predictions.truth, probabilities)[
            "accuracy"
        ])
    assert metrics["num_examples"] == 30 and metrics["split"] == "test"
    text = run_module("rnnjax.evaluate", *args, "--split", "validation")
    assert text.returncode == 0, text.stderr[-3000:]
    lines = text.stdout.splitlines()
    assert lines[0].startswith("split validation, ")
    assert lines[-1].endswith("ensemble (mean of 2 members' probabilities)")
    assert str(members[1]) in lines[-2]


def test_members_with_other_rows_or_labels_are_refused_naming_them(members, tmp_path):
    other = tmp_path / "other_rows"
    shutil.copytree(members[1], other)
    rows = json.loads((other / "rows.json").read_text())
    rows["test"] = rows["test"][1:] + rows["test"][:1]
    (other / "rows.json").write_text(json.dumps(rows))
    line = error_line(
        run_module("rnnjax.evaluate", "--workdir", str(members[0]), "--workdir", str(other))
    )
    assert line == (
        f"error: ensemble members need the same test rows: {members[0]} and {other} differ in "
        "rows.json; train them on the same data config (corpus, split_seed, ...)"
    )
    relabelled = tmp_path / "relabelled"
    shutil.copytree(members[1], relabelled)
    labels = (relabelled / "labels.json").read_text()
    (relabelled / "labels.json").write_text(labels.replace('"sport"', '"sports"'))
    line = error_line(
        run_module("rnnjax.evaluate", "--workdir", str(members[0]), "--workdir", str(relabelled))
    )
    assert f"ensemble members need the same labels: {members[0]} has" in line
    assert str(relabelled) in line
