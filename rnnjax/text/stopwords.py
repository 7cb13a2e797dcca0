"""Stopword lists: NLTK's English list (the reference write-ups' choice) or scikit-learn's."""

from __future__ import annotations

import functools

from rnnjax.errors import ConfigError, MissingDataError

SOURCES = ("nltk", "sklearn", "none")


@functools.cache
def load_stopwords(source: str = "nltk") -> frozenset[str]:
    """Returns the English stopwords of ``source`` ("nltk" | "sklearn" | "none") as a set.

    Raises:
      MissingDataError: NLTK's stopwords corpus is not installed (the message gives the fix).
      ConfigError: ``source`` is not one of SOURCES.
    """
    if source == "none":
        return frozenset()
    if source == "sklearn":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    if source == "nltk":
        from nltk.corpus import stopwords

        try:
            return frozenset(stopwords.words("english"))
        except LookupError:
            raise MissingDataError(
                "NLTK stopwords corpus not found (searched NLTK_DATA and NLTK's default folders); "
                "install it with `python -m nltk.downloader stopwords` or set NLTK_DATA to the "
                "folder holding corpora/stopwords.zip"
            ) from None
    raise ConfigError(f"data.stopwords must be one of {SOURCES}, got {source!r}")
