"""AG News (Zhang et al. 2015): 4 topics, 120,000 train + 7,600 test; ``ag_news_mini`` re-splits
the official test split alone (the only part in our data dir) 80/10/10."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import ml_collections

from rnnjax.data.sources import decode, find_local, locate, prepare_tfds, read_bytes
from rnnjax.data.splits import Corpus, make_split, official_corpus, unofficial_corpus
from rnnjax.errors import DataError, MissingDataError

CLASS_NAMES = ("World", "Sports", "Business", "Sci/Tech")  # classes 1-4 of the original CSV
SOURCE = "https://github.com/mhjabreel/CharCnn_Keras/tree/master/data/ag_news_csv"
_RAW_URL = "https://raw.githubusercontent.com/mhjabreel/CharCnn_Keras/master/data/ag_news_csv/"
TFDS_NAME = "ag_news_subset"
_LINE_BREAK = re.compile(r"\\+")  # the CSVs mark line breaks with a backslash ("second\team")


def load_ag_news(data_cfg: ml_collections.ConfigDict) -> Corpus:
    """Official train and test splits, validation carved from train (seeded, stratified)."""
    splits, replaced = _read_splits(data_cfg, ("train", "test"))
    return official_corpus(splits["train"], splits["test"], CLASS_NAMES, data_cfg, replaced)


def load_ag_news_mini(data_cfg: ml_collections.ConfigDict) -> Corpus:
    """The 7,600 official test articles alone, deduplicated and split 80/10/10 (seeded,
    stratified)."""
    splits, replaced = _read_splits(data_cfg, ("test",))
    return unofficial_corpus(splits["test"], CLASS_NAMES, data_cfg, replaced)


def _read_splits(data_cfg: ml_collections.ConfigDict, names: tuple[str, ...]):
    """The ``names`` splits and the count of replaced bytes. Local data first (tensorflow-datasets
    ``ag_news_subset`` prepared under $TFDS_DATA_DIR, then the CSVs in the data dir); only when
    neither is there, tfds' download, then the CSVs' download (see ``_locate_csv``)."""
    splits = _read_tfds(names)
    if splits is not None:
        return splits, 0
    tfds_failure = ""
    csv_present = all(find_local(data_cfg, _csv_names(name)) for name in names)
    if not csv_present and data_cfg.get("download", True):
        reason = prepare_tfds(TFDS_NAME, _tfds_dir())
        splits = _read_tfds(names) if reason is None else None
        if splits is not None:
            return splits, 0
        tfds_failure = f"; the tfds download failed too ({reason or 'it prepared nothing'})"
    replaced, splits = 0, {}
    for name in names:
        try:
            splits[name], bad = _read_csv(_locate_csv(data_cfg, name))
        except MissingDataError as error:
            raise MissingDataError(f"{error}{tfds_failure}") from None
        replaced += bad
    return splits, replaced


def _csv_names(split: str) -> list[str]:
    return [f"ag_news/{split}.csv.gz", f"ag_news/{split}.csv"]


def _locate_csv(data_cfg: ml_collections.ConfigDict, split: str) -> Path:
    """``ag_news/<split>.csv[.gz]`` in the data dir, else downloaded from the original repo."""
    return locate(
        data_cfg,
        _csv_names(split),
        corpus="ag_news",
        source=SOURCE,
        download_url=_RAW_URL + f"{split}.csv",
        download_to=f"ag_news/{split}.csv",
    )


def _read_csv(path: Path):
    """Reads the headerless original CSV: class (1-4), title, description."""
    text, replaced = decode(read_bytes(path), str(path))
    texts, labels = [], []
    for row in csv.reader(io.StringIO(text, newline="")):
        if len(row) != 3:
            raise DataError(f"{path}: expected 3 fields (class, title, description), got {row!r}")
        if row[0] not in ("1", "2", "3", "4"):
            raise DataError(
                f"{path}: label {row[0]!r} is not one of the AG News classes 1-4 {CLASS_NAMES}"
            )
        labels.append(int(row[0]) - 1)
        texts.append(_join(row[1], row[2]))
    return make_split(texts, labels), replaced


def _join(title: str, description: str) -> str:
    """Title and description as one text, backslash line breaks made real newlines."""
    return _LINE_BREAK.sub("\n", f"{title}\n{description}")


def _tfds_dir() -> Path:
    return Path(os.environ.get("TFDS_DATA_DIR", "~/tensorflow_datasets")).expanduser()


def _read_tfds(split_names: tuple[str, ...]):
    """The splits of tensorflow-datasets' ``ag_news_subset`` when it is prepared locally, else
    None (checked on disk first, so TensorFlow is imported only when there is data to read)."""
    if not any((_tfds_dir() / TFDS_NAME).glob("*/dataset_info.json")):
        return None
    from rnnjax.data.tf_cpu import import_tensorflow

    import_tensorflow()
    import tensorflow_datasets as tfds

    datasets = tfds.load(
        TFDS_NAME, split=list(split_names), data_dir=str(_tfds_dir()), download=False
    )
    result = {}
    for name, dataset in zip(split_names, datasets, strict=True):
        texts, labels = [], []
        for example in tfds.as_numpy(dataset):
            texts.append(_join(example["title"].decode(), example["description"].decode()))
            labels.append(int(example["label"]))
        result[name] = make_split(texts, labels)
    return result
