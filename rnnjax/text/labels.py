"""Label names <-> integer ids, stored as JSON next to the vocabulary."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from rnnjax.errors import DataError
from rnnjax.text.jsonfile import read_json_file

_FORMAT = "rnnjax.labels"


class LabelEncoder:
    """Maps class names to ids ``0..C-1`` in the order given (the corpus' own class order)."""

    def __init__(self, names: Sequence[str]):
        names = [str(n) for n in names]
        if not names:
            raise DataError("LabelEncoder needs at least one label name")
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise DataError(f"label names must be unique; repeated: {duplicates}")
        self._names = names
        self._index = {n: i for i, n in enumerate(names)}

    @property
    def names(self) -> list[str]:
        """The class names, position = id."""
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LabelEncoder) and self._names == other._names

    def __repr__(self) -> str:
        return f"LabelEncoder({self._names!r})"

    def encode(self, name: str) -> int:
        """Returns the id of ``name``; DataError naming it when it was not seen in training."""
        try:
            return self._index[name]
        except KeyError:
            shown = ", ".join(self._names[:20]) + (", ..." if len(self._names) > 20 else "")
            raise DataError(
                f"label {name!r} was never seen in the training data (known labels: {shown})"
            ) from None

    def encode_all(self, names: Iterable[str]) -> np.ndarray:
        """Returns ``int32[N]`` ids of ``names``."""
        return np.asarray([self.encode(n) for n in names], dtype=np.int32)

    def decode(self, index: int) -> str:
        """Returns the name of id ``index``."""
        if not 0 <= int(index) < len(self._names):
            raise DataError(f"label id {index} is out of range [0, {len(self._names)})")
        return self._names[int(index)]

    def save(self, path: str | Path) -> None:
        """Writes the names as JSON."""
        Path(path).write_text(json.dumps({"format": _FORMAT, "names": self._names}, indent=1))

    @classmethod
    def load(cls, path: str | Path) -> LabelEncoder:
        """Reads a file written by :meth:`save`."""
        payload = read_json_file(path, _FORMAT, ("names",))
        return cls(payload["names"])
