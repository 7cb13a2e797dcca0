"""Tests of rnnjax.data.describe and ``python -m rnnjax.data describe`` (run as a subprocess):
statistics against independent numpy, and every bad-input row as one ``error:`` line."""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tiny_corpora as tiny

from rnnjax.data import prepare_classification
from rnnjax.data.describe import describe, format_description

REPO_ROOT = Path(__file__).resolve().parents[1]
BBC_UNIQUE = {"business": 502, "entertainment": 369, "politics": 403, "sport": 501, "tech": 344}


def _smoke_config(data_dir):
    sys.path.insert(0, str(REPO_ROOT))
    from configs.bbc_news import get_config

    config = get_config("smoke")
    config.data.data_dir, config.data.download = str(data_dir), False
    return config


def _run(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "rnnjax.data", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_statistics_match_numpy(tiny_data_dir):
    config = _smoke_config(tiny_data_dir)
    stats = describe(config)
    data = prepare_classification(config.data)
    assert stats["vocab_size"] == len(data.vocab) == 2000
    for name, split in data.splits.items():
        s = stats["splits"][name]
        lengths = np.array([len(x) for x in split.ids])
        tokens = np.concatenate(split.ids)
        assert s["num_examples"] == len(split)
        assert list(s["class_counts"].values()) == np.bincount(split.labels, minlength=5).tolist()
        assert s["oov_rate"] == pytest.approx(np.mean(tokens == 1))
        assert s["length_percentiles"]["90"] == pytest.approx(np.percentile(lengths, 90))
        assert s["truncated_share"] == pytest.approx(np.mean(lengths > config.data.max_len))
    text = format_description(stats)
    assert "entertainment" in text and f"truncated at {config.data.max_len}" in text
    assert stats["duplicates"] == {
        "removed": tiny.BBC_DUPLICATES, "remaining": 0, "test_in_train": 0,
        "found": tiny.BBC_DUPLICATES,
    }
    assert f"{tiny.BBC_DUPLICATES} found, {tiny.BBC_DUPLICATES} removed before splitting" in text


def test_official_split_keeps_duplicates_and_counts_test_texts_in_train(tiny_data_dir):
    config = _smoke_config(tiny_data_dir)
    config.data.corpus, config.data.max_train_examples = "ag_news", 0
    stats = describe(config)
    assert stats["duplicates"] == {
        "removed": 0, "remaining": tiny.AG_NEWS_TEST_IN_TRAIN,
        "test_in_train": tiny.AG_NEWS_TEST_IN_TRAIN, "found": tiny.AG_NEWS_TEST_IN_TRAIN,
    }
    data = prepare_classification(config.data)
    train_rows = 4 * tiny.AG_NEWS_PER_CLASS["train"]
    np.testing.assert_array_equal(
        data.splits["test"].row_ids, np.arange(train_rows, train_rows + len(data.splits["test"]))
    )
    seen = np.concatenate([data.splits[s].row_ids for s in ("train", "validation")])
    np.testing.assert_array_equal(np.sort(seen), np.arange(train_rows))


def test_cli_json_counts_the_whole_bbc_corpus(real_data_dir):
    result = _run(
        "describe", "--config", "configs/bbc_news.py", f"--config.data.data_dir={real_data_dir}",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    splits = stats["splits"]
    assert set(splits) == {"train", "validation", "test"}
    totals = {c: sum(splits[s]["class_counts"][c] for s in splits) for c in BBC_UNIQUE}
    assert totals == BBC_UNIQUE
    assert sum(s["num_examples"] for s in splits.values()) == 2225 - 106
    assert stats["duplicates"] == {"removed": 106, "remaining": 0, "test_in_train": 0, "found": 106}


def _table(path: Path, rows, header=("text", "label")) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("tables")
    rows = [[f"word{i} shared", "ab"[i % 2]] for i in range(20)]
    _table(root / "train.csv", rows)
    _table(root / "unseen.csv", [["x", "a"], ["y", "zebra"]])
    _table(root / "columns.csv", rows, header=("body", "label"))
    with (root / "bad_bytes.csv").open("wb") as f:
        f.write(b"text,label\n" + b"".join(f"w{i},{'ab'[i % 2]}\n".encode() for i in range(20)))
        f.write(b"caf\xe9,a\n,b\n \t,a\n")  # one invalid byte, an empty and a blank text
    return root


CSV = ("--config.data.corpus=csv", "--config.data.stopwords=none")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            ("--config.data.data_dir={empty}", "--config.data.download=False"),
            "bbc/bbc-text.csv.gz or .* in {empty}.*get it from http://mlg.ucd.ie",
        ),
        (
            (*CSV, "--config.data.path={tables}/columns.csv"),
            r"no column 'text' \(columns found: body, label\)",
        ),
        (
            (
                *CSV,
                "--config.data.path={tables}/train.csv",
                "--config.data.test_path=unseen.csv",
                "--config.data.data_dir={tables}",
            ),
            "label 'zebra' was never seen",
        ),
        (("--config.data.max_words=1",), "data.max_words must be >= 2"),
        (("--config.data.max_len=0",), "data.max_len must be >= 1"),
        (
            ("--config.data.validation_fraction=0.5", "--config.data.test_fraction=0.5"),
            "data.validation_fraction .* must be < 1",
        ),
    ],
)
def test_cli_bad_input_is_one_line(tmp_path, tables, overrides, expected):
    args = [a.format(empty=tmp_path, tables=tables) for a in overrides]
    result = _run("describe", "--config", "configs/bbc_news.py:smoke", *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert re.search(expected.format(empty=tmp_path), lines[0]), lines[0]


def test_cli_reports_replaced_bytes_and_keeps_empty_texts(tables):
    base = (
        "describe",
        "--config",
        "configs/bbc_news.py:smoke",
        *CSV,
        "--config.data.max_train_examples=0",
        "--config.data.deduplicate=False",  # its texts differ in digits only
        "--config.data.validation_fraction=0.2",
        "--config.data.test_fraction=0.2",
    )
    result = _run(*base, f"--config.data.path={tables}/bad_bytes.csv", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["decode_replacements"] == 1
    assert sum(s["num_examples"] for s in stats["splits"].values()) == 23


def test_cli_output_into_a_closed_pipe_is_no_traceback():
    """``describe ... | head -1``: the reader goes first; the command stops quietly."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rnnjax.data", "describe", "--config", "configs/bbc_news.py:smoke"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.close()  # before the command writes anything
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


@pytest.mark.parametrize("which", ["tiny", "real"])
def test_language_model_statistics(which, request):
    from rnnjax.configs import language_model_config
    from rnnjax.data import load_text

    config = language_model_config()
    data_dir = request.getfixturevalue(f"{which}_data_dir")
    config.data.data_dir, config.data.download = str(data_dir), False
    stats = describe(config)
    text, _ = load_text(config.data)
    assert stats["task"] == "language_model" and stats["vocab_size"] == len(set(text)) + 2
    assert sum(s["num_tokens"] for s in stats["splits"].values()) == len(text)
    assert stats["splits"]["train"]["oov_rate"] == 0.0
    assert "tokens" in format_description(stats)


def test_cli_without_config_says_it_is_required():
    result = subprocess.run(
        [sys.executable, "-m", "rnnjax.data", "describe"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --config is required, e.g. --config configs/bbc_news.py"
