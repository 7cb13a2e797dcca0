"""Tests of rnnjax.data.prepare: vocabulary from train only, encoding, LM streams, padding."""

import numpy as np
import pytest

from rnnjax.configs import data_config, language_model_config
from rnnjax.data import (
    encode_texts,
    load_text,
    pad_ids,
    prepare_classification,
    prepare_language_model,
    text_normalizer,
)
from rnnjax.errors import ConfigError
from rnnjax.text import Vocabulary


def _bbc_cfg(data_dir, **overrides):
    cfg = data_config()
    cfg.data_dir, cfg.download, cfg.max_words, cfg.max_train_examples = (
        str(data_dir),
        False,
        500,
        300,
    )
    cfg.update(overrides)
    return cfg


@pytest.fixture(scope="module")
def bbc(tiny_data_dir):
    return prepare_classification(_bbc_cfg(tiny_data_dir))


def test_classification_splits_labels_and_vocab(bbc, tiny_data_dir):
    assert [len(bbc.splits[s]) for s in ("train", "validation", "test")] == [240, 30, 30]
    assert bbc.labels.names == ["business", "entertainment", "politics", "sport", "tech"]
    assert len(bbc.vocab) == 500
    for split in bbc.splits.values():
        assert all(ids.dtype == np.int32 and ids.ndim == 1 for ids in split.ids)
        assert split.labels.dtype == np.int32 and len(split.texts) == len(split.ids)
    clean = text_normalizer(_bbc_cfg(tiny_data_dir))
    expected = Vocabulary.fit([clean(t) for t in bbc.splits["train"].texts], max_words=500)
    assert bbc.vocab == expected  # fit on the training split only


def test_encode_texts_matches_the_prepared_ids(bbc, tiny_data_dir):
    test = bbc.splits["test"]
    encoded = encode_texts(test.texts[:20], _bbc_cfg(tiny_data_dir), bbc.vocab)
    for a, b in zip(encoded, test.ids[:20], strict=True):
        np.testing.assert_array_equal(a, b)
    empty = encode_texts(["", " \n\t ", "!!!"], _bbc_cfg(tiny_data_dir), bbc.vocab)
    assert [len(x) for x in empty] == [0, 0, 0]


def test_preparation_is_deterministic(bbc, tiny_data_dir):
    again = prepare_classification(_bbc_cfg(tiny_data_dir))
    assert again.vocab == bbc.vocab
    for name, split in bbc.splits.items():
        assert again.splits[name].texts == split.texts
        assert all(
            np.array_equal(a, b) for a, b in zip(again.splits[name].ids, split.ids, strict=True)
        )


def test_invalid_config_rejected_before_loading(tiny_data_dir):
    with pytest.raises(ConfigError, match=r"data.max_len"):
        prepare_classification(_bbc_cfg(tiny_data_dir, max_len=0))


def test_pad_ids_like_keras_pad_sequences():
    ids = [np.array([1, 2, 3, 4], np.int32), np.array([5], np.int32), np.array([], np.int32)]
    tokens, lengths = pad_ids(ids, 3, padding="post", truncating="post")
    np.testing.assert_array_equal(tokens, [[1, 2, 3], [5, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(lengths, [3, 1, 0])
    tokens, lengths = pad_ids(ids, 3, padding="pre", truncating="pre")
    np.testing.assert_array_equal(tokens, [[2, 3, 4], [0, 0, 5], [0, 0, 0]])
    np.testing.assert_array_equal(lengths, [3, 1, 0])


def test_padded_is_cached_per_setting(bbc):
    split = bbc.splits["validation"]
    first = split.padded(16, "post", "post")
    assert split.padded(16, "post", "post") is first
    assert split.padded(16, "pre", "post")[0].shape == (30, 16)


def _lm_cfg(data_dir, **overrides):
    cfg = language_model_config().data
    cfg.data_dir, cfg.download = str(data_dir), False
    cfg.update(overrides)
    return cfg


@pytest.mark.parametrize("which", ["tiny", "real"])
def test_char_language_model_is_a_contiguous_split(which, request):
    cfg = _lm_cfg(request.getfixturevalue(f"{which}_data_dir"))
    data = prepare_language_model(cfg)
    text, _ = load_text(cfg)
    sizes = [len(data.splits[s]) for s in ("train", "validation", "test")]
    assert sum(sizes) == len(text)
    assert sizes[1] == sizes[2] == round(0.05 * len(text))
    stream = np.concatenate([data.splits[s] for s in ("train", "validation", "test")])
    assert data.vocab.decode(stream) == text  # no OOV, newlines kept: the exact text back
    assert data.vocab.level == "char" and len(data.vocab) == len(set(text)) + 2
    if which == "real":
        assert (len(text), len(data.vocab)) == (1115394, 67)


def test_word_language_model_vocab_from_train_part_only(tiny_data_dir):
    cfg = _lm_cfg(
        tiny_data_dir, level="word", max_words=100000, lowercase=True, strip_punctuation=True
    )
    data = prepare_language_model(cfg)
    words = text_normalizer(cfg)(load_text(cfg)[0]).split()
    assert sum(len(s) for s in data.splits.values()) == len(words)
    assert set(data.vocab.tokens[2:]) == set(words[: len(data.splits["train"])])
    assert (data.splits["train"] != data.vocab.oov_id).all()
    assert (data.splits["test"] == data.vocab.oov_id).any()  # words first seen in the test part
