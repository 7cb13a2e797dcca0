"""Finding corpus files: the data directory first, then a download with a timeout, then a clear
error naming the file, the folder searched and where to get it. Also byte decoding that never
drops text silently.
"""

from __future__ import annotations

import gzip
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import ml_collections

from rnnjax.downloads import URL_TIMEOUT_S, fetch_url, run_python
from rnnjax.errors import MissingDataError

TFDS_PREPARE_TIMEOUT_S = 900.0  # one whole tensorflow-datasets download and preparation
# Run in a subprocess: tfds retries an unreachable host for minutes and takes no timeout. Its
# download hosts are probed first (URL_TIMEOUT_S), so an offline machine fails in seconds.
_TFDS_PREPARE = """
import socket, sys, urllib.parse
import tensorflow_datasets as tfds
builder = tfds.builder(sys.argv[1], data_dir=sys.argv[2])
for url in builder.url_infos or ():
    parts = urllib.parse.urlparse(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    socket.create_connection((parts.hostname, port), timeout=float(sys.argv[3])).close()
builder.download_and_prepare()
"""
_REPLACEMENT = "\ufffd"
_REPLACEMENT_UTF8 = _REPLACEMENT.encode("utf-8")
_BOM_UTF8 = "\ufeff".encode()


def data_dir(data_cfg: ml_collections.ConfigDict) -> Path:
    """The corpora folder: ``data.data_dir``, else ``$RNNJAX_DATA_DIR``, else ``~/rnnjax_data``."""
    value = data_cfg.get("data_dir") or os.environ.get("RNNJAX_DATA_DIR") or "~/rnnjax_data"
    return Path(value).expanduser()


def find_local(data_cfg: ml_collections.ConfigDict, candidates: Sequence[str]) -> Path | None:
    """The first of ``candidates`` (paths relative to the data dir, or absolute) that exists."""
    root = data_dir(data_cfg)
    for candidate in candidates:
        path = root / candidate  # an absolute candidate replaces the root
        if path.exists():
            return path
    return None


def prepare_tfds(
    name: str, tfds_dir: Path, *, timeout_s: float = TFDS_PREPARE_TIMEOUT_S
) -> str | None:
    """Downloads and prepares tensorflow-datasets' ``name`` under ``tfds_dir`` in a subprocess
    that is killed after ``timeout_s``; returns None on success, else the reason in one line."""
    reason = run_python(
        _TFDS_PREPARE,
        [name, str(tfds_dir), str(URL_TIMEOUT_S)],
        timeout_s=timeout_s,
        what=f"tensorflow-datasets {name}",
    )
    if reason is None:
        logging.info("prepared tensorflow-datasets %s in %s", name, tfds_dir)
    return reason


def locate(
    data_cfg: ml_collections.ConfigDict,
    candidates: Sequence[str],
    *,
    corpus: str,
    source: str,
    download_url: str = "",
    download_to: str = "",
) -> Path:
    """Returns the first existing candidate, downloading ``download_url`` to ``download_to``
    (default ``candidates[0]``) when none exists and ``data.download`` allows it.

    Raises:
      MissingDataError: naming the files looked for, the folder searched and ``source``.
    """
    found = find_local(data_cfg, candidates)
    if found is not None:
        return found
    root = data_dir(data_cfg)
    note = ""
    if download_url and data_cfg.get("download", True):
        destination = root / (download_to or candidates[0])
        reason = fetch_url(download_url, destination)
        if reason is None:
            return destination
        note = f"; download from {download_url} failed ({reason})"
    raise MissingDataError(
        f"{corpus} corpus not found: looked for {' or '.join(candidates)} in {root}{note}; "
        f"put {candidates[0]} there (get it from {source}), or point data.data_dir or "
        "RNNJAX_DATA_DIR at the folder that holds it"
    )


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, gunzipped when it ends in ``.gz``."""
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as f:
            return f.read()
    return path.read_bytes()


def decode(data: bytes, source: str) -> tuple[str, int]:
    """Decodes UTF-8 ``data``, replacing invalid bytes with U+FFFD rather than dropping text.

    A leading byte-order mark (as Excel and Notepad write) is dropped, so a CSV header's first
    column keeps its plain name.

    Returns the text and the number of replacement characters inserted; a warning names
    ``source`` when there are any.
    """
    data = data.removeprefix(_BOM_UTF8)
    try:
        return data.decode("utf-8"), 0
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
    replaced = text.count(_REPLACEMENT) - data.count(_REPLACEMENT_UTF8)
    logging.warning("%s: %d invalid UTF-8 byte sequence(s) replaced with U+FFFD", source, replaced)
    return text, replaced
