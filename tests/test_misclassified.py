"""``report/misclassified.md``: real errors, most confident first, with predict's probabilities;
and a cell that no text can break."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from train_helpers import run_module, trained_workdir

from rnnjax.data import load_corpus
from rnnjax.reports.misclassified import MAX_CHARS, confident_errors, markdown_cell
from rnnjax.training import workdir as files

ROW = re.compile(r"^\| (\d+) \| (\d+) \| ([\d.]+) \| (.+?) \| (.+?) \| ([\d.]+) \| (.*) \|$")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return trained_workdir(tmp_path_factory.getbasetemp())


def test_confident_errors_are_the_wrong_rows_by_their_predicted_probability():
    probabilities = np.random.default_rng(0).dirichlet(np.ones(4), size=200)
    truth = np.random.default_rng(1).integers(0, 4, size=200)
    got = confident_errors(probabilities, truth, limit=15)
    wrong = [i for i in range(200) if probabilities[i].argmax() != truth[i]]
    want = sorted(wrong, key=lambda i: -probabilities[i].max())[:15]
    assert got.tolist() == want


def test_a_cell_is_one_line_cut_and_escaped():
    text = "a | b *bold* _it_ [link](x) `code` <b>tag</b> & $x$ ~~no~~\n\nnext\\line " * 20
    cell = markdown_cell(text)
    assert "\n" not in cell
    assert re.search(r"(?<!\\)[|*_`\[\]~$]", cell) is None  # every such character escaped
    assert "<" not in cell and "&lt;b>" in cell and "&amp;" in cell
    unescaped = re.sub(r"\\(.)", r"\1", cell).replace("&lt;", "<").replace("&amp;", "&")
    assert unescaped == " ".join(text.split())[:MAX_CHARS] + "…"
    assert markdown_cell("short") == "short"


def test_entries_are_the_most_confident_errors_with_predicts_probabilities(workdir):
    result = run_module("rnnjax.evaluate", "--workdir", str(workdir))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = (workdir / "report" / "misclassified.md").read_text().splitlines()
    rows = [ROW.match(line).groups() for line in lines if ROW.match(line)]

    test = load_corpus(files.read_config(workdir).data).test
    predicted = run_module("rnnjax.predict", "--workdir", str(workdir), "--json", *test.texts)
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    predictions = json.loads(predicted.stdout)
    names = list(predictions[0]["probabilities"])
    truth = [names[i] for i in test.labels]
    errors = [i for i, p in enumerate(predictions) if p["label"] != truth[i]]
    errors.sort(key=lambda i: -predictions[i]["probabilities"][predictions[i]["label"]])
    assert 0 < len(rows) == min(len(errors), 20)
    assert f"{len(errors)} of {len(test.texts)} test texts are misclassified" in lines[2]

    assert [int(row[1]) for row in rows] == errors[: len(rows)]
    for rank, (number, index, p_predicted, label, true, p_true, text) in enumerate(rows, 1):
        prediction = predictions[int(index)]
        assert int(number) == rank and label == prediction["label"] != true == truth[int(index)]
        assert float(p_predicted) == pytest.approx(prediction["probabilities"][label], abs=6e-5)
        assert float(p_true) == pytest.approx(prediction["probabilities"][true], abs=6e-5)
        assert text == markdown_cell(test.texts[int(index)])
    confidences = [float(row[2]) for row in rows]
    assert confidences == sorted(confidences, reverse=True)
