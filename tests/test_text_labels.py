"""Tests of rnnjax.text.LabelEncoder."""

import numpy as np
import pytest

from rnnjax.errors import DataError
from rnnjax.text import LabelEncoder


def test_encode_decode_in_given_order():
    labels = LabelEncoder(["sport", "business", "tech"])
    assert labels.encode("business") == 1
    assert labels.decode(2) == "tech"
    np.testing.assert_array_equal(labels.encode_all(["tech", "sport"]), [2, 0])
    assert labels.encode_all(["tech"]).dtype == np.int32


def test_unseen_label_is_named():
    with pytest.raises(DataError, match=r"'weather' was never seen in the training data"):
        LabelEncoder(["sport", "tech"]).encode("weather")


def test_duplicates_and_out_of_range_rejected():
    with pytest.raises(DataError, match=r"unique"):
        LabelEncoder(["a", "a"])
    with pytest.raises(DataError, match=r"out of range"):
        LabelEncoder(["a"]).decode(3)


def test_json_round_trip(tmp_path):
    labels = LabelEncoder(["Sci/Tech", "World", "Ünïcode"])
    labels.save(tmp_path / "labels.json")
    assert LabelEncoder.load(tmp_path / "labels.json") == labels
