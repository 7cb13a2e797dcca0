"""Tests of rnnjax.text.stopwords: NLTK and scikit-learn lists, and the missing-corpus error."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnnjax.errors import ConfigError
from rnnjax.text import load_stopwords


def test_nltk_english_list():
    words = load_stopwords("nltk")
    assert len(words) == 179
    assert {"the", "and", "don", "t", "shouldn't"} <= words


def test_sklearn_list_and_none():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert load_stopwords("sklearn") == frozenset(ENGLISH_STOP_WORDS)
    assert load_stopwords("none") == frozenset()


def test_unknown_source_names_field():
    with pytest.raises(ConfigError, match=r"data.stopwords"):
        load_stopwords("spacy")


def test_missing_nltk_corpus_gives_the_one_line_fix(tmp_path):
    env = {
        **os.environ,
        "NLTK_DATA": str(tmp_path),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    code = (
        "import nltk; nltk.data.path[:] = [p for p in nltk.data.path if p.startswith("
        f"{str(tmp_path)!r})]\n"
        "from rnnjax.errors import MissingDataError\n"
        "from rnnjax.text import load_stopwords\n"
        "try:\n    load_stopwords('nltk')\nexcept MissingDataError as e:\n    print(e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "python -m nltk.downloader stopwords" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1
