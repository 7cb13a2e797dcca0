"""BBC News (Greene & Cunningham 2006): 2,225 articles in 5 topics, no official split."""

from __future__ import annotations

import re
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import ml_collections

from rnnjax.data.corpora.tabular import read_csv_columns
from rnnjax.data.sources import data_dir, decode, locate
from rnnjax.data.splits import Corpus, corpus_from_named_labels
from rnnjax.errors import DataError

FILES = (
    "bbc/bbc-text.csv.gz",
    "bbc/bbc-text.csv",
    "bbc/bbc-fulltext.tar.gz",
    "bbc/bbc-fulltext.zip",
)
RAW_FOLDERS = ("bbc/bbc", "bbc")  # the raw layout <folder>/<category>/NNN.txt, extracted
SOURCE = "http://mlg.ucd.ie/datasets/bbc.html"
DOWNLOAD_URL = "http://mlg.ucd.ie/files/datasets/bbc-fulltext.zip"
_ARTICLE = re.compile(r"(?:^|/)([^/]+)/(\d+)\.txt$")


def load_bbc(data_cfg: ml_collections.ConfigDict) -> Corpus:
    """Reads ``bbc/bbc-text.csv.gz`` (columns category,text) or the raw articles (folder, tarball
    or the publisher's zip) and splits them 80/10/10 (seeded, stratified)."""
    root = data_dir(data_cfg)
    folders = [f for f in RAW_FOLDERS if any((root / f).glob("*/[0-9]*.txt"))]
    path = locate(
        data_cfg,
        [*FILES, *folders],
        corpus="bbc",
        source=SOURCE,
        download_url=DOWNLOAD_URL,
        download_to="bbc/bbc-fulltext.zip",
    )
    if path.name.endswith((".csv", ".csv.gz")):
        texts, labels, replaced = read_csv_columns(
            path,
            ["text"],
            "category",
            drop_empty_labels=bool(data_cfg.get("drop_empty_labels", False)),
        )
    else:
        texts, labels, replaced = [], [], 0
        for category, data in sorted(_raw_articles(path)):
            text, bad = decode(data, f"{path}:{category[0]}/{category[1]}.txt")
            texts.append(text)
            labels.append(category[0])
            replaced += bad
        if not texts:
            raise DataError(f"{path}: no articles named <category>/<number>.txt found")
    return corpus_from_named_labels(texts, labels, data_cfg, decode_replacements=replaced)


def _raw_articles(path: Path) -> Iterator[tuple[tuple[str, int], bytes]]:
    """Yields ((category, number), bytes) for each ``<category>/<number>.txt`` in ``path``."""
    if path.is_dir():
        for file in path.glob("*/*.txt"):
            if match := _ARTICLE.search(file.as_posix()):
                yield (match[1], int(match[2])), file.read_bytes()
    elif path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if match := _ARTICLE.search(name):
                    yield (match[1], int(match[2])), archive.read(name)
    else:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if member.isfile() and (match := _ARTICLE.search(member.name)):
                    yield (match[1], int(match[2])), archive.extractfile(member).read()
