"""Tests of rnnjax.data.splits: seeded stratified splits and label assembly."""

import ml_collections
import numpy as np
import pytest

from rnnjax.data.splits import (
    corpus_from_named_labels,
    make_split,
    split_three_ways,
    stratified_carve,
    subsample_train,
)
from rnnjax.errors import DataError

NAMES = ["a", "b", "c"]


def _cfg(**overrides):
    base = dict(validation_fraction=0.1, test_fraction=0.1, split_seed=0, max_train_examples=0)
    return ml_collections.ConfigDict({**base, **overrides})


def _split(n_per_class=(50, 30, 20)):
    labels = np.repeat(np.arange(len(n_per_class)), n_per_class)
    return make_split([f"doc {i}" for i in range(len(labels))], labels)


def test_three_way_split_is_stratified_disjoint_complete_and_seeded():
    everything = _split()
    train, validation, test = split_three_ways(everything, NAMES, _cfg())
    assert (len(train), len(validation), len(test)) == (80, 10, 10)
    np.testing.assert_array_equal(test.class_counts(3), [5, 3, 2])
    np.testing.assert_array_equal(validation.class_counts(3), [5, 3, 2])
    all_texts = train.texts + validation.texts + test.texts
    assert sorted(all_texts) == sorted(everything.texts)
    again = split_three_ways(everything, NAMES, _cfg())
    assert again[2].texts == test.texts
    other = split_three_ways(everything, NAMES, _cfg(split_seed=1))
    assert other[2].texts != test.texts


def test_texts_stay_with_their_labels():
    everything = _split()
    lookup = dict(zip(everything.texts, everything.labels, strict=True))
    for part in split_three_ways(everything, NAMES, _cfg()):
        assert all(lookup[t] == y for t, y in zip(part.texts, part.labels, strict=True))


def test_zero_fraction_gives_an_empty_split():
    train, validation, test = split_three_ways(_split(), NAMES, _cfg(validation_fraction=0.0))
    assert len(validation) == 0 and validation.labels.dtype == np.int32
    assert len(train) + len(test) == 100


def test_class_with_one_example_gives_clear_error():
    with pytest.raises(DataError, match=r"single example: \['c'\]"):
        stratified_carve(_split((50, 30, 1)), 10, seed=0, label_names=NAMES, what="test")


def test_subsample_keeps_proportions():
    kept = subsample_train(_split(), NAMES, _cfg(max_train_examples=50))
    np.testing.assert_array_equal(kept.class_counts(3), [25, 15, 10])


def test_named_labels_sorted_and_unseen_test_label_named():
    corpus = corpus_from_named_labels(
        ["x"] * 20, ["sport"] * 10 + ["business"] * 10, _cfg(), test=(["y"], ["sport"])
    )
    assert corpus.label_names == ["business", "sport"]
    assert corpus.test.labels.tolist() == [1]
    with pytest.raises(DataError, match=r"'weather'"):
        corpus_from_named_labels(
            ["x"] * 20, ["sport"] * 10 + ["business"] * 10, _cfg(), test=(["y"], ["weather"])
        )
