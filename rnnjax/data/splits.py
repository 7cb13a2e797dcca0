"""Corpus containers and deterministic stratified splits (scikit-learn's ``train_test_split``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from rnnjax.errors import DataError


@dataclasses.dataclass(frozen=True)
class Split:
    """Raw texts, their class ids ``int32[N]`` and stable row ids ``int64[N]``.

    A row id is the text's position in the corpus as its loader reads it (an official test
    split's rows are numbered after its train rows), so the same config always names the same
    rows, whichever model trains on them.
    """

    texts: list[str]
    labels: np.ndarray
    row_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, indices: Sequence[int] | np.ndarray) -> Split:
        """The examples at ``indices``, in that order."""
        indices = np.asarray(indices, dtype=np.int64)
        return Split(
            [self.texts[i] for i in indices],
            self.labels[indices].astype(np.int32),
            self.row_ids[indices],
        )

    def class_counts(self, num_classes: int) -> np.ndarray:
        """``int64[C]``: examples per class id."""
        return np.bincount(self.labels, minlength=num_classes)


@dataclasses.dataclass(frozen=True)
class Corpus:
    """A classification corpus split three ways, with its class names (position = label id).

    ``decode_replacements`` counts the invalid UTF-8 byte sequences replaced with U+FFFD while
    reading the files (0 for a clean corpus; nothing is dropped for them);
    ``duplicates_removed`` the texts dropped before splitting because their normalised text
    repeats an earlier one (``data.deduplicate``, corpora without an official split only).
    """

    train: Split
    validation: Split
    test: Split
    label_names: list[str]
    decode_replacements: int = 0
    duplicates_removed: int = 0

    def splits(self) -> dict[str, Split]:
        """``{"train", "validation", "test"}`` -> Split."""
        return {"train": self.train, "validation": self.validation, "test": self.test}


def make_split(
    texts: Sequence[str], labels: Sequence[int] | np.ndarray, first_id: int = 0
) -> Split:
    """A Split from texts and integer labels; row ids count from ``first_id``."""
    labels = np.asarray(labels, dtype=np.int32).reshape(-1)
    if len(texts) != len(labels):
        raise DataError(f"{len(texts)} texts but {len(labels)} labels")
    return Split(list(texts), labels, np.arange(first_id, first_id + len(texts), dtype=np.int64))


def deduplicate(split: Split, data_cfg) -> tuple[Split, int]:
    """``split`` without the texts whose normalised form (``data``'s normalisation) repeats an
    earlier one, and how many were dropped; unchanged when ``data.deduplicate`` is off."""
    if not data_cfg.get("deduplicate", True):
        return split, 0
    from rnnjax.data.prepare import text_normalizer  # lazy: prepare imports the corpora

    clean = text_normalizer(data_cfg)
    seen: set[str] = set()
    kept = []
    for i, text in enumerate(split.texts):
        key = clean(text)
        if key not in seen:
            seen.add(key)
            kept.append(i)
    return split.take(kept), len(split) - len(kept)


def unofficial_corpus(
    everything: Split, label_names: Sequence[str], data_cfg, decode_replacements: int = 0
) -> Corpus:
    """A corpus without an official split: deduplicated (``data.deduplicate``), then split
    three ways (seeded, stratified), so no text straddles train/validation/test."""
    unique, removed = deduplicate(everything, data_cfg)
    train, validation, test = split_three_ways(unique, label_names, data_cfg)
    return Corpus(
        train, validation, test, list(label_names), decode_replacements, duplicates_removed=removed
    )


def official_corpus(
    train: Split, test: Split, label_names: Sequence[str], data_cfg, decode_replacements: int = 0
) -> Corpus:
    """A corpus with an official train/test split, kept as it is (duplicates are only counted,
    by :func:`rnnjax.data.duplicates.count_duplicates`); validation is carved from train and the
    test rows are numbered after the train rows."""
    test = Split(test.texts, test.labels, np.arange(len(train), len(train) + len(test)))
    train, validation = carve_validation(train, label_names, data_cfg)
    return Corpus(train, validation, test, list(label_names), decode_replacements)


def stratified_carve(
    split: Split, count: int, *, seed: int, label_names: Sequence[str], what: str
) -> tuple[Split, Split]:
    """Takes ``count`` examples out of ``split`` keeping class proportions.

    Returns (rest, carved), each in the original order, so the result depends only on ``seed``.
    """
    if count <= 0:
        return split, split.take([])
    if count >= len(split):
        raise DataError(f"cannot carve {count} {what} examples out of {len(split)}")
    from sklearn.model_selection import train_test_split  # lazy: keeps CLI start-up fast

    indices = np.arange(len(split))
    counts = np.bincount(split.labels, minlength=len(label_names))
    try:
        rest, carved = train_test_split(
            indices, test_size=count, stratify=split.labels, random_state=seed
        )
    except ValueError as e:
        rare = [label_names[i] for i in np.flatnonzero((counts > 0) & (counts < 2))]
        detail = f"; classes with a single example: {rare}" if rare else ""
        raise DataError(
            f"cannot carve a stratified {what} split of {count} examples out of {len(split)} "
            f"({e}){detail}; add examples or change data.validation_fraction/test_fraction"
        ) from None
    return split.take(np.sort(rest)), split.take(np.sort(carved))


def split_three_ways(
    everything: Split, label_names: Sequence[str], data_cfg
) -> tuple[Split, Split, Split]:
    """Seeded stratified train/validation/test split by ``data.validation_fraction`` and
    ``data.test_fraction`` (both fractions of the whole corpus; train gets the rest)."""
    n = len(everything)
    seed = int(data_cfg.split_seed)
    n_test = round(n * data_cfg.test_fraction)
    n_validation = round(n * data_cfg.validation_fraction)
    _check_sizes(n, {"validation": n_validation, "test": n_test}, data_cfg)
    rest, test = stratified_carve(
        everything, n_test, seed=seed, label_names=label_names, what="test"
    )
    train, validation = stratified_carve(
        rest, n_validation, seed=seed, label_names=label_names, what="validation"
    )
    return train, validation, test


def carve_validation(train: Split, label_names: Sequence[str], data_cfg) -> tuple[Split, Split]:
    """Seeded stratified validation split of ``data.validation_fraction`` of an official train
    split. Returns (train, validation)."""
    count = round(len(train) * data_cfg.validation_fraction)
    _check_sizes(len(train), {"validation": count}, data_cfg)
    return stratified_carve(
        train, count, seed=int(data_cfg.split_seed), label_names=label_names, what="validation"
    )


def _check_sizes(total: int, carved: dict[str, int], data_cfg) -> None:
    """Raises DataError when a split asked for (a fraction > 0) would get no example, or train
    would get none, naming how many examples each split would get."""
    sizes = {"train": total - sum(carved.values()), **carved}
    empty = [name for name, size in carved.items() if size == 0 and data_cfg[f"{name}_fraction"]]
    if sizes["train"] > 0 and not empty:
        return
    fractions = " and ".join(f"data.{n}_fraction={data_cfg[f'{n}_fraction']}" for n in carved)
    counts = ", ".join(f"{size} {name}" for name, size in sizes.items())
    raise DataError(
        f"{total} examples are too few for {fractions}: the splits would get {counts} "
        "example(s); add examples or raise the fractions so that every split gets at least one"
    )


def subsample_train(train: Split, label_names: Sequence[str], data_cfg) -> Split:
    """A stratified subset of ``data.max_train_examples`` training examples (0 keeps all)."""
    limit = int(data_cfg.get("max_train_examples", 0))
    if limit <= 0 or limit >= len(train):
        return train
    kept, _ = stratified_carve(
        train,
        len(train) - limit,
        seed=int(data_cfg.split_seed),
        label_names=label_names,
        what="max_train_examples",
    )
    return kept


def corpus_from_named_labels(
    texts: Sequence[str],
    label_strings: Sequence[str],
    data_cfg,
    *,
    test: tuple[Sequence[str], Sequence[str]] | None = None,
    decode_replacements: int = 0,
) -> Corpus:
    """A Corpus from texts labelled by class name; classes are the sorted training names.

    Without ``test`` the examples are deduplicated and split three ways (seeded, stratified);
    with ``test`` (texts, names) that is the test split and validation is carved from the rest.

    Raises:
      DataError: a test label never seen in training (named in the message).
    """
    from rnnjax.text.labels import LabelEncoder

    labels = LabelEncoder(sorted(set(label_strings)))
    everything = make_split(texts, labels.encode_all(label_strings))
    names = labels.names
    if test is None:
        return unofficial_corpus(everything, names, data_cfg, decode_replacements)
    test_split = make_split(test[0], labels.encode_all(test[1]))
    return official_corpus(everything, test_split, names, data_cfg, decode_replacements)
