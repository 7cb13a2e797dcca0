"""20 Newsgroups, "bydate" version: 11,314 train + 7,532 test Usenet posts in 20 groups, read
straight from the tarball (or scikit-learn's cache) the way scikit-learn reads it."""

from __future__ import annotations

import functools
import re
import tarfile
from collections.abc import Callable
from pathlib import Path

import ml_collections
import numpy as np

from rnnjax.data.sources import find_local, locate
from rnnjax.data.splits import Corpus, make_split, official_corpus
from rnnjax.errors import ConfigError

TARBALL = "20newsgroups/20news-bydate.tar.gz"
SOURCE = "http://qwone.com/~jason/20Newsgroups/ (20news-bydate.tar.gz)"
DOWNLOAD_URL = "https://ndownloader.figshare.com/files/5975967"  # scikit-learn's mirror
REMOVABLE = ("headers", "footers", "quotes")  # stripped in this order, as scikit-learn does
_MESSAGE = re.compile(r"(?:^|/)20news-bydate-(train|test)/([^/]+)/([^/]+)$")


def load_newsgroups(data_cfg: ml_collections.ConfigDict) -> Corpus:
    """The official train/test split (``data.categories`` subset, ``data.remove`` parts stripped),
    with validation carved from train (seeded, stratified). Messages decode as Latin-1, like
    scikit-learn, so no byte is ever replaced."""
    remove = tuple(data_cfg.remove)
    unknown = sorted(set(remove) - set(REMOVABLE))
    if unknown:
        raise ConfigError(f"data.remove may only hold {REMOVABLE}, got {unknown}")
    path = find_local(data_cfg, [TARBALL])
    messages = _read_tarball(path) if path else _read_sklearn_cache()
    if messages is None:
        messages = _read_tarball(
            locate(
                data_cfg, [TARBALL], corpus="newsgroups", source=SOURCE, download_url=DOWNLOAD_URL
            )
        )
    available = sorted({group for split in messages.values() for group, _ in split})
    categories = sorted(data_cfg.categories) if data_cfg.categories else available
    missing = sorted(set(categories) - set(available))
    if missing:
        raise ConfigError(f"data.categories has unknown newsgroups {missing}; valid: {available}")
    index = {name: i for i, name in enumerate(categories)}
    strippers = _strippers()
    splits = {}
    for name, pairs in messages.items():
        kept = [(group, text) for group, text in pairs if group in index]
        texts = [text for _, text in kept]
        for part in (p for p in REMOVABLE if p in remove):
            texts = [strippers[part](text) for text in texts]
        splits[name] = make_split(texts, np.array([index[g] for g, _ in kept], dtype=np.int32))
    return official_corpus(splits["train"], splits["test"], categories, data_cfg)


def _strippers() -> dict[str, Callable[[str], str]]:
    """scikit-learn's rules for removing each part (imported lazily: it is slow to import)."""
    from sklearn.datasets._twenty_newsgroups import (
        strip_newsgroup_footer,
        strip_newsgroup_header,
        strip_newsgroup_quoting,
    )

    return {
        "headers": strip_newsgroup_header,
        "footers": strip_newsgroup_footer,
        "quotes": strip_newsgroup_quoting,
    }


def _read_tarball(path: Path) -> dict[str, list[tuple[str, str]]]:
    """{"train"/"test": [(newsgroup, message text)]}, sorted by group then message number.

    Parsed once per process (train, evaluate and tests reuse it) unless the file changes.
    """
    stat = path.stat()
    return _parse_tarball(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1)
def _parse_tarball(path: str, mtime_ns: int, size: int) -> dict[str, list[tuple[str, str]]]:
    """Reads the tarball at ``path``; ``mtime_ns`` and ``size`` only key the cache."""
    del mtime_ns, size
    found: dict[str, list[tuple[str, int, str]]] = {"train": [], "test": []}
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            if member.isfile() and (match := _MESSAGE.search(member.name)):
                text = archive.extractfile(member).read().decode("latin-1")
                number = int(match[3]) if match[3].isdigit() else -1
                found[match[1]].append((match[2], number, text))
    return {split: [(g, t) for g, _, t in sorted(items)] for split, items in found.items()}


def _read_sklearn_cache() -> dict[str, list[tuple[str, str]]] | None:
    """The same messages from scikit-learn's local cache, or None when it has none."""
    from sklearn.datasets import fetch_20newsgroups

    result = {}
    for split in ("train", "test"):
        try:
            bunch = fetch_20newsgroups(subset=split, shuffle=False, download_if_missing=False)
        except OSError:
            return None
        result[split] = [
            (bunch.target_names[t], text) for t, text in zip(bunch.target, bunch.data, strict=True)
        ]
    return result
