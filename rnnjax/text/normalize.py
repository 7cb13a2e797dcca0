"""Text normalisation as the reference write-ups do it: lowercase, strip punctuation and digits,
collapse whitespace, drop stopwords; every step can be switched off.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

LEVELS = ("word", "char")

_WHITESPACE = re.compile(r"\s+")


@functools.cache
def _strip_pattern(punctuation: bool, digits: bool) -> re.Pattern[str]:
    """One precompiled regex matching every character to replace with a space."""
    parts = []
    if punctuation:
        parts.append(r"[^\w\s]|_")  # \w keeps letters of every script; "_" counts as punctuation
    if digits:
        parts.append(r"\d")
    return re.compile("|".join(parts))


def normalize(
    text: str,
    *,
    lowercase: bool = True,
    strip_punctuation: bool = True,
    strip_digits: bool = True,
    collapse_whitespace: bool = True,
    stopwords: Collection[str] = frozenset(),
) -> str:
    """Returns ``text`` normalised by the switched-on steps, in the order of the arguments.

    Punctuation and digits become spaces (so "don't" -> "don t", matching NLTK's stopword list
    and "e-mail" -> "e mail" rather than a glued word). Stopword removal splits on whitespace and
    rejoins with single spaces, so it implies collapsing whitespace; tokens are compared in lower
    case so the lists work with ``lowercase=False`` too.
    """
    if lowercase:
        text = text.lower()
    if strip_punctuation or strip_digits:
        text = _strip_pattern(strip_punctuation, strip_digits).sub(" ", text)
    if stopwords:
        words = text.split()
        if lowercase:
            return " ".join([w for w in words if w not in stopwords])
        return " ".join([w for w in words if w.lower() not in stopwords])
    if collapse_whitespace:
        return _WHITESPACE.sub(" ", text).strip()
    return text


def tokenize(text: str, level: str = "word") -> list[str]:
    """Splits normalised ``text`` into tokens: whitespace-separated words or single characters."""
    if level == "word":
        return text.split()
    if level == "char":
        return list(text)
    raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
