"""Labelled text in CSV or JSON-lines files: the generic ``csv``/``jsonl`` corpora and the News
Category Dataset (HuffPost headlines)."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import ml_collections

from rnnjax.data.sources import decode, locate, read_bytes
from rnnjax.data.splits import Corpus, corpus_from_named_labels
from rnnjax.errors import ConfigError, DataError

csv.field_size_limit(2**31 - 1)  # news articles can exceed csv's 128 KiB default field limit

NEWS_CATEGORY_FILES = (  # the whole dataset first, then the prefix our data folder holds
    "news_category/News_Category_Dataset_v3.json",
    "news_category/News_Category_Dataset_v3.json.gz",
    "news_category/News_Category_Dataset_v2.json",
    "news_category/News_Category_Dataset_v3.first9999lines.json.gz",
)
NEWS_CATEGORY_SOURCE = "https://www.kaggle.com/datasets/rmisra/news-category-dataset"


def read_csv_columns(
    path: Path, text_columns: Sequence[str], label_column: str, *, drop_empty_labels: bool = False
) -> tuple[list[str], list[str], int]:
    """Reads a CSV with a header row; texts join ``text_columns`` with a newline.

    Returns (texts, label names, replaced invalid UTF-8 sequences).

    Raises:
      DataError: a column is missing (naming it and the columns found), a row is short, a label
        is empty (unless ``drop_empty_labels``: such rows are dropped and counted in a warning)
        or there is no row at all.
    """
    text, replaced = decode(read_bytes(path), str(path))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    found = reader.fieldnames or []
    for column, field in [(c, "data.text_column") for c in text_columns] + [
        (label_column, "data.label_column")
    ]:
        if column not in found:
            raise DataError(
                f"{path}: no column {column!r} (columns found: {', '.join(found) or 'none'}); "
                f"set {field} to one of them"
            )
    texts, labels, empty = [], [], _EmptyLabels(path, label_column, drop_empty_labels)
    for number, row in enumerate(reader, start=1):
        values = [row[c] for c in (*text_columns, label_column)]
        if any(v is None for v in values):
            raise DataError(f"{path}: line {reader.line_num} has fewer fields than the header")
        if empty.skip(values[-1], f"row {number} (ending on line {reader.line_num})"):
            continue
        texts.append("\n".join(values[:-1]))
        labels.append(values[-1])
    empty.report()
    if not texts:
        raise DataError(f"{path}: no examples, only a header row ({', '.join(found)})")
    return texts, labels, replaced


def read_jsonl_fields(
    path: Path, text_fields: Sequence[str], label_field: str, *, drop_empty_labels: bool = False
) -> tuple[list[str], list[str], int]:
    """Reads one JSON object per line; texts join ``text_fields`` with a newline.

    Returns (texts, label names, replaced invalid UTF-8 sequences).

    Raises:
      DataError: a line is not a JSON object or lacks a field (naming it and the keys found),
        a label is empty or null (unless ``drop_empty_labels``), or there is no object at all.
    """
    text, replaced = decode(read_bytes(path), str(path))
    texts, labels, empty = [], [], _EmptyLabels(path, label_field, drop_empty_labels)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}: line {number} is not valid JSON ({e})") from None
        if not isinstance(record, dict):
            raise DataError(f"{path}: line {number} is not a JSON object")
        for field in (*text_fields, label_field):
            if field not in record:
                raise DataError(
                    f"{path}: line {number} has no field {field!r} (fields found: "
                    f"{', '.join(record) or 'none'}); set data.text_column/data.label_column"
                )
        label = record[label_field]
        if empty.skip("" if label is None else str(label), f"line {number}"):
            continue
        texts.append("\n".join(str(record[f] or "") for f in text_fields))
        labels.append(str(label))
    empty.report()
    if not texts:
        raise DataError(f"{path}: no examples (no JSON object on any line)")
    return texts, labels, replaced


class _EmptyLabels:
    """Rows whose label is empty or blank: an error naming the first, or (``drop``) skipped and
    counted in one warning."""

    def __init__(self, path: Path, column: str, drop: bool):
        self.path, self.column, self.drop, self.dropped = path, column, drop, 0

    def skip(self, label: str, where: str) -> bool:
        """True when the row with ``label`` at ``where`` is to be dropped; raises if not allowed."""
        if label.strip():
            return False
        if not self.drop:
            raise DataError(
                f"{self.path}: {where} has an empty label in column {self.column!r}; fill it in, "
                "remove the row, or set data.drop_empty_labels=True to drop such rows"
            )
        self.dropped += 1
        return True

    def report(self) -> None:
        if self.dropped:
            logging.warning(
                "%s: dropped %d row(s) with an empty %r label (data.drop_empty_labels)",
                self.path, self.dropped, self.column,
            )


def load_table(data_cfg: ml_collections.ConfigDict) -> Corpus:
    """The ``csv`` and ``jsonl`` corpora: ``data.path`` (and optional ``data.test_path``)."""
    kind = data_cfg.corpus
    reader = read_csv_columns if kind == "csv" else read_jsonl_fields
    if not data_cfg.path:
        raise ConfigError(f"data.path must name the {kind} file for corpus {kind!r}")
    columns = ([data_cfg.text_column], data_cfg.label_column)
    drop = bool(data_cfg.get("drop_empty_labels", False))

    def read(path_field: str) -> tuple[list[str], list[str], int]:
        path = locate(
            data_cfg, [data_cfg[path_field]], corpus=kind, source=f"your own data.{path_field}"
        )
        return reader(path, *columns, drop_empty_labels=drop)

    texts, labels, replaced = read("path")
    test = None
    if data_cfg.get("test_path"):
        test_texts, test_labels, test_replaced = read("test_path")
        test, replaced = (test_texts, test_labels), replaced + test_replaced
    return corpus_from_named_labels(
        texts, labels, data_cfg, test=test, decode_replacements=replaced
    )


def load_news_category(data_cfg: ml_collections.ConfigDict) -> Corpus:
    """The News Category Dataset (JSON lines: headline, short_description, category), split
    80/10/10 (seeded, stratified) as it has no official split."""
    path = locate(
        data_cfg, NEWS_CATEGORY_FILES, corpus="news_category", source=NEWS_CATEGORY_SOURCE
    )
    texts, labels, replaced = read_jsonl_fields(
        path,
        ("headline", "short_description"),
        "category",
        drop_empty_labels=bool(data_cfg.get("drop_empty_labels", False)),
    )
    return corpus_from_named_labels(texts, labels, data_cfg, decode_replacements=replaced)
