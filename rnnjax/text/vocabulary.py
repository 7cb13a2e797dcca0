"""Token vocabulary: fit on training texts, pad id 0, OOV id 1, JSON save/load."""

from __future__ import annotations

import collections
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from rnnjax.errors import ConfigError, DataError
from rnnjax.text.jsonfile import read_json_file
from rnnjax.text.normalize import LEVELS, tokenize

PAD_TOKEN = "<pad>"
OOV_TOKEN = "<oov>"
_FORMAT = "rnnjax.vocabulary"


class Vocabulary:
    """An id for each token: 0 = padding, 1 = out of vocabulary, then tokens by frequency.

    Ties in frequency are broken by the token itself, so fitting the same texts always gives the
    same ids. ``level`` is "word" (whitespace-separated) or "char" (for text generation).
    """

    pad_id = 0
    oov_id = 1

    def __init__(self, tokens: Sequence[str], *, level: str = "word"):
        """Builds the vocabulary from its full token list (``tokens[0]`` pad, ``tokens[1]`` OOV)."""
        if level not in LEVELS:
            raise ConfigError(f"data.level must be one of {LEVELS}, got {level!r}")
        if len(tokens) < 2 or tokens[0] != PAD_TOKEN or tokens[1] != OOV_TOKEN:
            raise DataError(f"a vocabulary's tokens start with {PAD_TOKEN!r}, {OOV_TOKEN!r}")
        self._tokens = list(tokens)
        self._index = {t: i for i, t in enumerate(self._tokens)}
        self.level = level

    @classmethod
    def fit(
        cls, texts: Iterable[str], *, max_words: int, min_freq: int = 1, level: str = "word"
    ) -> Vocabulary:
        """Counts the tokens of (already normalised) training ``texts`` and keeps the most frequent.

        Args:
          texts: training texts only, so validation/test never leak into the vocabulary.
          max_words: vocabulary size including pad and OOV (so at most ``max_words - 2`` tokens).
          min_freq: tokens seen fewer times map to OOV.
          level: "word" or "char".
        """
        counts: collections.Counter[str] = collections.Counter()
        for text in texts:
            counts.update(tokenize(text, level))
        return cls.from_counts(counts, max_words=max_words, min_freq=min_freq, level=level)

    @classmethod
    def from_counts(
        cls, counts: Mapping[str, int], *, max_words: int, min_freq: int = 1, level: str = "word"
    ) -> Vocabulary:
        """Builds the vocabulary from token counts (see :meth:`fit`)."""
        if max_words < 2:
            raise ConfigError(
                f"data.max_words must be >= 2 (ids 0 and 1 are pad and OOV), got {max_words}"
            )
        if min_freq < 1:
            raise ConfigError(f"data.min_freq must be >= 1, got {min_freq}")
        kept = [(-c, t) for t, c in counts.items() if c >= min_freq and t not in _RESERVED]
        kept.sort()
        tokens = [PAD_TOKEN, OOV_TOKEN] + [t for _, t in kept[: max_words - 2]]
        return cls(tokens, level=level)

    def __len__(self) -> int:
        return len(self._tokens)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Vocabulary)
            and self.level == other.level
            and self._tokens == other._tokens
        )

    def __repr__(self) -> str:
        return f"Vocabulary(level={self.level!r}, size={len(self)})"

    @property
    def tokens(self) -> list[str]:
        """All tokens, position = id."""
        return list(self._tokens)

    def encode(self, text: str) -> list[int]:
        """Returns the ids of normalised ``text`` (unknown tokens -> 1; "" -> [])."""
        return self.encode_tokens(tokenize(text, self.level))

    def encode_tokens(self, tokens: Iterable[str]) -> list[int]:
        """Returns the ids of already tokenised text (unknown tokens: the OOV id)."""
        get = self._index.get
        return [get(t, self.oov_id) for t in tokens]

    def decode(self, ids: Iterable[int]) -> str:
        """Returns the text of ``ids``, skipping padding; OOV shows as ``<oov>``."""
        tokens = [self._tokens[int(i)] for i in ids if int(i) != self.pad_id]
        return (" " if self.level == "word" else "").join(tokens)

    def save(self, path: str | Path) -> None:
        """Writes the vocabulary as JSON (never pickle: readable and safe to load)."""
        payload = {"format": _FORMAT, "level": self.level, "tokens": self._tokens}
        Path(path).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Vocabulary:
        """Reads a file written by :meth:`save`."""
        payload = read_json_file(path, _FORMAT, ("level", "tokens"))
        return cls(payload["tokens"], level=payload["level"])


_RESERVED = frozenset({PAD_TOKEN, OOV_TOKEN})
