"""Tests of rnnjax.text.stopwords: NLTK's and scikit-learn's lists, where NLTK's is looked for,
its download (a stand-in for the download subprocess) and the missing-corpus error."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nltk
import pytest
from tiny_corpora import STOPWORDS, write_stopwords_zip

from rnnjax.configs import data_config
from rnnjax.data.prepare import stopwords_for
from rnnjax.errors import ConfigError, MissingDataError
from rnnjax.text import load_stopwords, stopwords

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_real_nltk_english_list(real_data_dir):
    words = load_stopwords("nltk", nltk_dirs=[real_data_dir / "nltk_data"])
    assert len(words) == 179
    assert {"the", "and", "don", "t", "shouldn't"} <= words


def test_sklearn_list_and_none():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert load_stopwords("sklearn") == frozenset(ENGLISH_STOP_WORDS)
    assert load_stopwords("none") == frozenset()


def test_unknown_source_names_field():
    with pytest.raises(ConfigError, match=r"data.stopwords"):
        load_stopwords("spacy")


@pytest.fixture
def nltk_sees_nothing(monkeypatch):
    """NLTK's own search path emptied: only the folders a test names hold stopwords."""
    monkeypatch.setattr(nltk.data, "path", [])


def test_data_dir_nltk_data_is_searched_and_a_plain_folder_works(tmp_path, nltk_sees_nothing):
    write_stopwords_zip(tmp_path / "data" / "nltk_data", ["alpha", "beta"])
    cfg = data_config()
    cfg.data_dir, cfg.download = str(tmp_path / "data"), False
    assert stopwords_for(cfg) == {"alpha", "beta"}
    folder = tmp_path / "unzipped" / "corpora" / "stopwords"
    folder.mkdir(parents=True)
    (folder / "english").write_text("gamma\ndelta\n")
    assert load_stopwords("nltk", nltk_dirs=[tmp_path / "unzipped"]) == {"gamma", "delta"}


def _lookup_in_subprocess(env: dict[str, str], extra: Path) -> str:
    """The first English stopword found with NLTK_DATA/HOME as ``env`` says and ``extra`` added.

    NLTK's other default folders (under sys.prefix, /usr/share, ...) are dropped, so a copy
    installed on this machine cannot answer.
    """
    code = (
        "import os, sys, nltk\n"
        "keep = [p for p in os.environ.get('NLTK_DATA', '').split(os.pathsep) if p]\n"
        "nltk.data.path[:] = [p for p in nltk.data.path if p in keep]\n"
        "from pathlib import Path\n"
        "from rnnjax.text import load_stopwords\n"
        "print(sorted(load_stopwords('nltk', nltk_dirs=[Path(sys.argv[1])]))[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(extra)],
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_nltk_data_comes_before_the_data_dir(tmp_path):
    write_stopwords_zip(tmp_path / "env", ["fromenv"])
    write_stopwords_zip(tmp_path / "data", ["fromdata"])
    base = {k: v for k, v in os.environ.items() if k != "NLTK_DATA"}
    base["HOME"] = str(tmp_path / "home")
    assert _lookup_in_subprocess({**base, "NLTK_DATA": str(tmp_path / "env")}, tmp_path / "data") \
        == "fromenv"
    assert _lookup_in_subprocess(base, tmp_path / "data") == "fromdata"


# Stand-ins for ``nltk.download`` in its subprocess (argv: package, download_dir, index URL).
_INSTALLS = """
import pathlib, sys, zipfile
path = pathlib.Path(sys.argv[2]) / "corpora" / "stopwords.zip"
path.parent.mkdir(parents=True)
with zipfile.ZipFile(path, "w") as archive:
    archive.writestr("stopwords/english", "downloaded\\nwords\\n")
"""
_HANGS = "import time; time.sleep(120)"
_FAILS = "raise ValueError('Error loading stopwords: <urlopen error [Errno -2] Name unknown>')"


def test_missing_list_is_downloaded_once_into_the_data_dir(tmp_path, monkeypatch,
                                                          nltk_sees_nothing):
    monkeypatch.setattr(stopwords, "_NLTK_DOWNLOAD", _INSTALLS)
    cfg = data_config()
    cfg.data_dir = str(tmp_path)
    assert stopwords_for(cfg) == {"downloaded", "words"}
    assert zipfile.is_zipfile(tmp_path / "nltk_data" / "corpora" / "stopwords.zip")
    assert stopwords_for(cfg) == {"downloaded", "words"}  # found there now: no second download


def test_no_download_when_the_config_forbids_it(tmp_path, monkeypatch, nltk_sees_nothing):
    monkeypatch.setattr(stopwords, "_NLTK_DOWNLOAD", _INSTALLS)
    cfg = data_config()
    cfg.data_dir, cfg.download = str(tmp_path), False
    with pytest.raises(MissingDataError, match=r"NLTK stopwords corpus not found") as error:
        stopwords_for(cfg)
    assert "nltk.download(" not in str(error.value)
    assert not (tmp_path / "nltk_data").exists()


@pytest.mark.parametrize(
    ("stand_in", "timeout_s", "expected"),
    [
        (_HANGS, 0.5, r"nltk.download\('stopwords'\): timed out after 0.5 s"),
        (_FAILS, 60, r"nltk.download\('stopwords'\): ValueError: Error loading stopwords: <url"),
    ],
)
def test_failed_download_is_one_line_with_the_fix(
    tmp_path, monkeypatch, nltk_sees_nothing, stand_in, timeout_s, expected
):
    monkeypatch.setattr(stopwords, "_NLTK_DOWNLOAD", stand_in)
    monkeypatch.setattr(stopwords, "NLTK_DOWNLOAD_TIMEOUT_S", timeout_s)
    cfg = data_config()
    cfg.data_dir = str(tmp_path)
    with pytest.raises(MissingDataError, match=expected) as error:
        stopwords_for(cfg)
    message = str(error.value)
    assert "\n" not in message and str(tmp_path / "nltk_data") in message
    assert f"python -m nltk.downloader -d {tmp_path / 'nltk_data'} stopwords" in message


def test_the_tiny_corpora_carry_their_own_list(tiny_data_dir, nltk_sees_nothing):
    assert load_stopwords("nltk", nltk_dirs=[tiny_data_dir / "nltk_data"]) == set(STOPWORDS)
