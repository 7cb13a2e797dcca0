"""Stopword lists: NLTK's English list (the reference write-ups' choice) or scikit-learn's.

NLTK's list is looked for where NLTK looks (``NLTK_DATA``, then its default folders), then in
the folders the caller adds (the data directory's ``nltk_data``); when it is nowhere, it can be
downloaded once, with a deadline, into a folder the caller names.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from pathlib import Path

from rnnjax.downloads import run_python
from rnnjax.errors import ConfigError, MissingDataError

SOURCES = ("nltk", "sklearn", "none")
_ADDED_TO_NLTK_PATH: set[str] = set()  # folders this module appended to nltk.data.path
NLTK_RESOURCE = "corpora/stopwords"  # a folder, or corpora/stopwords.zip (NLTK reads both)
NLTK_DOWNLOAD_TIMEOUT_S = 60.0
# nltk.download has no overall deadline (a name lookup can hang), so it runs in a subprocess.
_NLTK_DOWNLOAD = """
import sys
from nltk.downloader import Downloader
downloader = Downloader(server_index_url=sys.argv[3] or None)
ok = downloader.download(sys.argv[1], download_dir=sys.argv[2], quiet=True, raise_on_error=True)
sys.exit(0 if ok else 1)
"""


def load_stopwords(
    source: str = "nltk",
    *,
    nltk_dirs: Sequence[Path] = (),
    download_to: Path | None = None,
    index_url: str = "",
) -> frozenset[str]:
    """Returns the English stopwords of ``source`` ("nltk" | "sklearn" | "none") as a set.

    Args:
      source: which list.
      nltk_dirs: folders searched for ``corpora/stopwords[.zip]`` after NLTK's own.
      download_to: when NLTK's list is found nowhere, ``nltk.download("stopwords")`` runs once
        into this folder (None: never download).
      index_url: the NLTK data index to download from ("" = NLTK's default server).

    Raises:
      MissingDataError: NLTK's list is absent (and could not be downloaded); the message says
        where it was looked for and how to install it.
      ConfigError: ``source`` is not one of SOURCES.
    """
    if source not in SOURCES:
        raise ConfigError(f"data.stopwords must be one of {SOURCES}, got {source!r}")
    if source == "none":
        return frozenset()
    if source == "sklearn":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    import nltk

    own = tuple(folder for folder in nltk.data.path if folder not in _ADDED_TO_NLTK_PATH)
    folders = (*own, *(str(d) for d in nltk_dirs))
    return _nltk_english(folders, Path(download_to) if download_to else None, index_url)


@functools.cache
def _nltk_english(
    folders: tuple[str, ...], download_to: Path | None, index_url: str
) -> frozenset[str]:
    """NLTK's English list from the first of ``folders`` holding it, else downloaded as
    ``load_stopwords`` says; cached, so a process downloads at most once per folder."""
    words = _read_nltk_english(folders)
    note = ""
    if words is None and download_to is not None:
        reason = run_python(
            _NLTK_DOWNLOAD,
            ["stopwords", str(download_to), index_url],
            timeout_s=NLTK_DOWNLOAD_TIMEOUT_S,
            what="nltk.download('stopwords')",
        )
        if reason is None:
            logging.info("downloaded NLTK stopwords into %s", download_to)
            words = _read_nltk_english((*folders, str(download_to)))
        note = f"; {reason or 'the download installed nothing readable'}"
    if words is not None:
        return words
    target = download_to or Path(folders[-1] if folders else "~/nltk_data")
    raise MissingDataError(
        f"NLTK stopwords corpus not found (searched NLTK_DATA and {', '.join(folders)}){note}; "
        f"install it with `python -m nltk.downloader -d {target} stopwords` (or put "
        f"stopwords.zip in {target}/corpora/), or set NLTK_DATA to the folder holding "
        "corpora/stopwords.zip"
    )


def _read_nltk_english(folders: Sequence[str]) -> frozenset[str] | None:
    """The English list from the first of ``folders`` holding NLTK's stopwords corpus, zipped
    or not; None when none does."""
    import nltk
    from nltk.corpus.reader import WordListCorpusReader

    for folder in folders:
        corpus = Path(folder) / NLTK_RESOURCE
        if not (corpus.is_dir() or corpus.with_suffix(".zip").is_file()):
            continue
        if folder not in nltk.data.path:  # NLTK opens zips only under its search path
            nltk.data.path.append(folder)
            _ADDED_TO_NLTK_PATH.add(folder)
        resource = NLTK_RESOURCE + ("/" if corpus.is_dir() else ".zip/stopwords/")
        try:
            root = nltk.data.find(resource, paths=[folder])
        except LookupError as error:  # NLTK refuses files that other accounts can write
            why = " ".join(str(error).split())
            fix = (
                f"other accounts can write its files; run chmod -R go-w {corpus}*"
                if "writable by other accounts" in why
                else why[:300]
            )
            raise MissingDataError(f"NLTK refused the stopwords in {corpus}: {fix}") from None
        return frozenset(WordListCorpusReader(root, ["english"]).words("english"))
    return None

