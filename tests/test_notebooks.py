"""Every notebook runs top to bottom on its smoke settings (code cells in order, one namespace).

Convention: a notebook's first code cell holds its settings, ``WORKDIR`` among them; the test
points ``WORKDIR`` at a temporary folder after that cell, so nothing is written to the checkout.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib
import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def code_cells(path: Path) -> list[str]:
    """The source of each code cell of the notebook at ``path``, in order."""
    notebook = json.loads(path.read_text())
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def run_notebook(path: Path, workdir: Path) -> dict:
    """Executes the notebook's code cells and returns the namespace they leave."""
    namespace: dict = {"__name__": "__main__"}
    settings, *rest = code_cells(path)
    exec(compile(settings, f"{path.name}[settings]", "exec"), namespace)
    assert "WORKDIR" in namespace, "the first code cell must set WORKDIR"
    namespace["WORKDIR"] = workdir
    for index, source in enumerate(rest, start=1):
        exec(compile(source, f"{path.name}[{index}]", "exec"), namespace)
    return namespace


def test_there_are_notebooks_and_they_hold_no_outputs():
    assert [p.name for p in NOTEBOOKS] == [
        "bbc_classification.ipynb", "lstm_vs_gru.ipynb", "news_generation.ipynb"
    ]
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), path.name


@pytest.fixture
def at_repo_root(monkeypatch):
    """Notebooks find configs/ from the working directory; plots go to a non-interactive backend."""
    monkeypatch.chdir(REPO_ROOT)
    matplotlib.use("Agg")


def test_bbc_classification_notebook(tmp_path, at_repo_root):
    ns = run_notebook(REPO_ROOT / "notebooks" / "bbc_classification.ipynb", tmp_path / "run")
    assert ns["VARIANT"] == "smoke"
    assert ns["stats"]["splits"]["test"]["num_examples"] > 0
    assert ns["result"].step > 0
    metrics = ns["metrics"]
    assert metrics["split"] == "test" and 0.0 <= metrics["accuracy"] <= 1.0
    assert "precision" in metrics["report_text"]
    report = tmp_path / "run" / "report"
    assert (report / "confusion_matrix.png").exists() and (report / "curves.png").exists()
    names = ["business", "entertainment", "politics", "sport", "tech"]
    assert ns["probabilities"].shape == (len(ns["TEXTS"]), 5)
    assert set(ns["predicted"]) <= set(names)


def test_news_generation_notebook(tmp_path, at_repo_root):
    ns = run_notebook(REPO_ROOT / "notebooks" / "news_generation.ipynb", tmp_path / "run")
    assert ns["VARIANT"] == "smoke"
    assert ns["result"].step > 0
    metrics = ns["metrics"]
    assert metrics["split"] == "validation" and math.isfinite(metrics["loss"])
    assert (tmp_path / "run" / "report" / "curves.png").exists()
    samples = ns["first"]
    assert [s.prompt for s in samples] == [p for p in ns["PROMPTS"] for _ in range(2)]
    assert all(len(s.text.split(" ")) == 30 for s in samples)
    assert ns["first"] == ns["again"] and ns["first"] != ns["other"]


def test_lstm_vs_gru_notebook(tmp_path, at_repo_root):
    ns = run_notebook(REPO_ROOT / "notebooks" / "lstm_vs_gru.ipynb", tmp_path / "cmp")
    assert ns["VARIANTS"] == ["smoke", "smoke_lstm"]
    names = [row["name"] for row in ns["rows"]]
    assert names == ["smoke", "smoke_lstm", "tfidf_linearsvc", "tfidf_logreg"]
    assert {row["num_test_examples"] for row in ns["rows"]} == {30}
    for name in names:
        assert (tmp_path / "cmp" / f"confusion_{name}.png").exists()
    assert (tmp_path / "cmp" / "validation_curves.png").exists()
    run = tmp_path / "cmp" / "runs" / "smoke_lstm" / "seed0"
    assert json.loads((run / "config.json").read_text())["model"]["cell"] == "lstm"
