"""Pretrained word vectors in the text format of GloVe, word2vec and fastText.

One word and its numbers per line, separated by spaces; word2vec and fastText ``.vec`` files
start with a "count dim" header line, GloVe files have none; any of them may be gzipped
(``.gz``). Only the words of our vocabulary are parsed, so a large file costs one pass of
reading, not memory.
"""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import numpy as np

from rnnjax.errors import DataError, MissingDataError
from rnnjax.text.vocabulary import Vocabulary


@dataclasses.dataclass(frozen=True)
class WordVectors:
    """The vectors found for a vocabulary.

    Attributes:
      ids: int64[N] vocabulary ids of the words found (each once: a file's first line wins).
      vectors: float32[N, E] their vectors, row for row.
      searched: vocabulary words looked up (all but pad and OOV).
      path: the file read.
    """

    ids: np.ndarray
    vectors: np.ndarray
    searched: int
    path: Path

    def coverage(self) -> str:
        """One line for the log: how many vocabulary words the file has."""
        found, total = len(self.ids), self.searched
        share = 100.0 * found / max(total, 1)
        return (
            f"embeddings: {found:,} of {total:,} vocabulary words found in {self.path} "
            f"({share:.1f}%)"
        )


def _header_dim(fields: list[str]) -> int | None:
    """The dimension of a word2vec/fastText "count dim" header line, None for a vector line."""
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        return int(fields[1])
    return None


def read_vectors(path: str | Path, vocab: Vocabulary, dim: int) -> WordVectors:
    """Reads the vectors of ``vocab``'s words from the text file ``path`` (``.gz``: gzipped).

    Args:
      path: the vector file.
      vocab: the run's vocabulary; its pad and OOV tokens are never looked up.
      dim: E, the embedding width (``model.embed_dim``) every vector must have.

    Raises:
      MissingDataError: ``path`` does not exist.
      DataError: a header or a line whose width is not ``dim`` (naming the width to set), or a
        line that is not a word followed by numbers (naming the line).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(
            f"model.embeddings_path: no file {path}; put the vectors (GloVe .txt, word2vec or "
            "fastText .vec, optionally .gz) there or point model.embeddings_path at them"
        )
    index = {token: i for i, token in enumerate(vocab.tokens)}
    for reserved in (vocab.pad_id, vocab.oov_id):
        index.pop(vocab.tokens[reserved])
    searched = len(index)
    opener = gzip.open if path.suffix == ".gz" else open
    ids: list[int] = []
    rows: list[np.ndarray] = []
    width_checked = False  # on the header, else on the first vector line
    with opener(path, "rt", encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.rstrip()
            if not line:
                continue
            if not width_checked:
                width_checked = True
                fields = line.split(" ")
                if (header := _header_dim(fields)) is not None:
                    if header != dim:
                        raise _width_error(path, "its header", header, dim)
                    continue
                if len(fields) != dim + 1:
                    raise _width_error(path, f"line {number}", len(fields) - 1, dim)
            # the last ``dim`` fields are the numbers and the word is the rest (a few GloVe
            # 840B words hold spaces)
            fields = line.rsplit(" ", dim)
            if len(fields) != dim + 1:
                raise _width_error(path, f"line {number}", len(fields) - 1, dim)
            word = fields[0]
            if word not in index:
                continue
            try:
                vector = np.asarray(fields[1:], np.float32)
            except ValueError:
                raise DataError(
                    f"{path} line {number} is not a word and {dim} numbers "
                    f"({line[:60]!r}); fix or remove that line"
                ) from None
            ids.append(index.pop(word))
            rows.append(vector)
    vectors = np.stack(rows) if rows else np.zeros((0, dim), np.float32)
    return WordVectors(np.asarray(ids, np.int64), vectors, searched, path)


def _width_error(path: Path, where: str, width: int, dim: int) -> DataError:
    return DataError(
        f"{path}: {where} has {width}-dimensional vectors but model.embed_dim={dim}; "
        f"set --config.model.embed_dim={width} (or use {dim}-dimensional vectors)"
    )
