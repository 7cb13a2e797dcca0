"""Tests of rnnjax.data.sources: data dir resolution, local-first lookup, download, decoding."""

import gzip
import logging
import time
from pathlib import Path

import ml_collections
import pytest

from rnnjax.data.sources import data_dir, decode, locate, prepare_tfds, read_bytes
from rnnjax.downloads import run_python
from rnnjax.errors import MissingDataError


def _cfg(**overrides) -> ml_collections.ConfigDict:
    return ml_collections.ConfigDict({"data_dir": "", "download": False, **overrides})


def test_data_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNJAX_DATA_DIR", str(tmp_path / "env"))
    assert data_dir(_cfg(data_dir=str(tmp_path / "cfg"))) == tmp_path / "cfg"
    assert data_dir(_cfg()) == tmp_path / "env"
    monkeypatch.delenv("RNNJAX_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_dir(_cfg()) == tmp_path / "rnnjax_data"


def test_locate_returns_first_existing_candidate(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "b.csv").write_text("x")
    found = locate(_cfg(data_dir=str(tmp_path)), ["c/a.csv.gz", "c/b.csv"], corpus="c", source="s")
    assert found == tmp_path / "c" / "b.csv"


def test_missing_file_names_file_folder_and_source(tmp_path):
    with pytest.raises(MissingDataError) as info:
        locate(
            _cfg(data_dir=str(tmp_path)),
            ["bbc/bbc-text.csv.gz"],
            corpus="bbc",
            source="http://mlg.ucd.ie/datasets/bbc.html",
            download_url="file:///nonexistent",
        )
    message = str(info.value)
    assert "bbc/bbc-text.csv.gz" in message
    assert str(tmp_path) in message
    assert "http://mlg.ucd.ie/datasets/bbc.html" in message
    assert "download" not in message.split(";")[0]  # downloads disabled: none was tried


def test_download_used_when_allowed(tmp_path):
    remote = tmp_path / "remote.txt"
    remote.write_text("fetched")
    cfg = _cfg(data_dir=str(tmp_path / "data"), download=True)
    found = locate(
        cfg,
        ["t/a.txt.gz", "t/a.txt"],
        corpus="t",
        source="s",
        download_url=remote.as_uri(),
        download_to="t/a.txt",
    )
    assert found == tmp_path / "data" / "t" / "a.txt"
    assert found.read_text() == "fetched"


def test_failed_download_is_reported(tmp_path):
    cfg = _cfg(data_dir=str(tmp_path), download=True)
    with pytest.raises(MissingDataError, match=r"download from file:///nonexistent/x failed"):
        locate(cfg, ["x"], corpus="t", source="s", download_url="file:///nonexistent/x")
    assert not any(Path(tmp_path).iterdir())  # no partial file left behind


def test_read_bytes_unpacks_gzip(tmp_path):
    (tmp_path / "a.gz").write_bytes(gzip.compress(b"hello"))
    (tmp_path / "a").write_bytes(b"hello")
    assert read_bytes(tmp_path / "a.gz") == read_bytes(tmp_path / "a") == b"hello"


def test_decode_replaces_invalid_bytes_and_counts_them(caplog):
    assert decode("ok \ufffd".encode(), "f") == ("ok \ufffd", 0)  # a real U+FFFD is not counted
    with caplog.at_level(logging.WARNING):
        text, replaced = decode(b"caf\xe9 \xa3 ok \xef\xbf\xbd", "my.csv")
    assert text == "caf\ufffd \ufffd ok \ufffd"
    assert replaced == 2
    assert "my.csv: 2 invalid UTF-8" in caplog.text


def test_decode_drops_a_leading_byte_order_mark():
    assert decode("\ufefftext,label\n".encode(), "f") == ("text,label\n", 0)
    assert decode(b"\xef\xbb\xbfcaf\xe9", "f") == ("caf\ufffd", 1)
    assert decode("a\ufeffb".encode(), "f") == ("a\ufeffb", 0)  # only a leading one is a BOM


def test_prepare_tfds_reports_an_unknown_dataset_in_one_line(tmp_path):
    reason = prepare_tfds("no_such_dataset_rnnjax", tmp_path, timeout_s=300)
    assert reason is not None and reason.startswith("tensorflow-datasets no_such_dataset_rnnjax: ")
    assert "\n" not in reason and "not found" in reason.lower()


def test_prepare_tfds_is_killed_at_its_timeout(tmp_path, monkeypatch):
    """A stand-in for the download subprocess that hangs, as tfds does on an unreachable host
    (the outcome cannot depend on how this machine's network behaves)."""
    from rnnjax.data import sources

    monkeypatch.setattr(sources, "_TFDS_PREPARE", "import time; time.sleep(120)")
    started = time.perf_counter()
    reason = prepare_tfds("ag_news_subset", tmp_path, timeout_s=0.5)
    assert reason == "tensorflow-datasets ag_news_subset: timed out after 0.5 s"
    assert time.perf_counter() - started < 30


def test_run_python_reports_success_the_last_exception_or_exit_status(tmp_path):
    target = tmp_path / "out.txt"
    code = "import pathlib, sys; pathlib.Path(sys.argv[1]).write_text('done')"
    assert run_python(code, [str(target)], timeout_s=60, what="w") is None
    assert target.read_text() == "done"
    failing = "raise ConnectionError('no route to host\\nsecond line')"
    assert run_python(failing, [], timeout_s=60, what="fetch x") == (
        "fetch x: ConnectionError: no route to host"
    )
    assert run_python("import sys; sys.exit(3)", [], timeout_s=60, what="y") == (
        "y: exit status 3"
    )
