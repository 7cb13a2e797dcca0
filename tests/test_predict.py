"""`python -m rnnjax.predict`: labels and probabilities per text, files, empty text."""

from __future__ import annotations

import json

import pytest
from train_helpers import error_line, run_module, trained_workdir

TEXTS = ["Shares rose after the bank's results", "The striker scored twice"]
LABELS = {"business", "entertainment", "politics", "sport", "tech"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return trained_workdir(tmp_path_factory.getbasetemp())


def test_json_predictions_for_arguments_and_file_lines(tmp_path, workdir):
    texts_file = tmp_path / "texts.txt"
    texts_file.write_text("Parliament passed the bill\n\n")  # the blank line is an empty text
    result = run_module("rnnjax.predict", "--workdir", str(workdir), *TEXTS,
                        "--input", str(texts_file), "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    predictions = json.loads(result.stdout)
    assert [p["text"] for p in predictions] == [*TEXTS, "Parliament passed the bill", ""]
    for prediction in predictions:
        probabilities = prediction["probabilities"]
        assert set(probabilities) == LABELS
        assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert prediction["label"] == max(probabilities, key=probabilities.get)


def test_text_output_shows_label_and_top_probabilities(workdir):
    result = run_module("rnnjax.predict", "--workdir", str(workdir), TEXTS[0], "--top_k", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    label, top, text = result.stdout.strip().split("\t")
    assert label in LABELS and text == TEXTS[0]
    assert top.startswith(f"({label} ") and top.count(",") == 1


def test_missing_input_file_is_named(workdir):
    line = error_line(run_module("rnnjax.predict", "--workdir", str(workdir), "--input", "nope"))
    assert "--input file nope does not exist" in line


def test_workdir_without_checkpoint_says_how_to_train(tmp_path, workdir):
    for name in ("config.json", "vocab.json", "labels.json"):
        (tmp_path / name).write_bytes((workdir / name).read_bytes())
    line = error_line(run_module("rnnjax.predict", "--workdir", str(tmp_path), TEXTS[0]))
    assert "no checkpoint in" in line and "python -m rnnjax.train" in line
