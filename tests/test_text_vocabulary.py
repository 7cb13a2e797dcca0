"""Tests of rnnjax.text.Vocabulary: ordering, limits, OOV, encode/decode and JSON round trip."""

import json

import pytest

from rnnjax.errors import ConfigError, DataError
from rnnjax.text import Vocabulary

TEXTS = ["b a c a", "a b d", "e"]  # counts: a 3, b 2, c 1, d 1, e 1


def test_order_is_frequency_then_token_after_pad_and_oov():
    vocab = Vocabulary.fit(TEXTS, max_words=100)
    assert vocab.tokens == ["<pad>", "<oov>", "a", "b", "c", "d", "e"]
    assert (vocab.pad_id, vocab.oov_id, len(vocab)) == (0, 1, 7)
    assert Vocabulary.fit(list(reversed(TEXTS)), max_words=100) == vocab


def test_max_words_counts_pad_and_oov_and_min_freq_drops_rare():
    assert Vocabulary.fit(TEXTS, max_words=4).tokens == ["<pad>", "<oov>", "a", "b"]
    assert Vocabulary.fit(TEXTS, max_words=100, min_freq=2).tokens == ["<pad>", "<oov>", "a", "b"]
    assert len(Vocabulary.fit(TEXTS, max_words=2)) == 2


@pytest.mark.parametrize("max_words", [0, 1])
def test_max_words_below_two_names_the_field(max_words):
    with pytest.raises(ConfigError, match=r"data.max_words"):
        Vocabulary.fit(TEXTS, max_words=max_words)


def test_encode_maps_unknown_to_oov_and_empty_to_nothing():
    vocab = Vocabulary.fit(TEXTS, max_words=4)
    assert vocab.encode("a b zebra c") == [2, 3, 1, 1]
    assert vocab.encode("") == []
    assert vocab.encode("   ") == []
    assert vocab.decode([2, 1, 3, 0, 0]) == "a <oov> b"


def test_char_level():
    vocab = Vocabulary.fit(["abba\n", "cab"], max_words=100, level="char")
    assert vocab.tokens == ["<pad>", "<oov>", "a", "b", "\n", "c"]  # ties: "\n" < "c"
    assert vocab.decode(vocab.encode("cab\n")) == "cab\n"
    assert vocab.encode("z") == [1]


@pytest.mark.parametrize("level", ["word", "char"])
def test_json_round_trip(tmp_path, level):
    vocab = Vocabulary.fit(['Grüße, "quoted" text\n', "text again"], max_words=50, level=level)
    path = tmp_path / "vocab.json"
    vocab.save(path)
    assert json.loads(path.read_text(encoding="utf-8"))["level"] == level
    loaded = Vocabulary.load(path)
    assert loaded == vocab
    assert loaded.encode("text Grüße") == vocab.encode("text Grüße")


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text('{"format": "rnnjax.labels", "names": ["a"]}')
    with pytest.raises(DataError, match=r"rnnjax.vocabulary"):
        Vocabulary.load(path)
    path.write_text('{"format": "rnnjax.vocabulary", "level": "word"}')
    with pytest.raises(DataError, match=r"damaged .* no \['tokens'\]"):
        Vocabulary.load(path)
    path.write_text("not json")
    with pytest.raises(DataError, match=r"not valid JSON"):
        Vocabulary.load(path)
