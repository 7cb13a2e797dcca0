"""configs/newsgroups.py: reference 004's two models and a smoke variant."""

from __future__ import annotations

import pytest

from configs.newsgroups import VARIANTS, get_config


def test_variants_describe_reference_004():
    lstm, gru = get_config("maxpool_lstm"), get_config("maxpool_gru")
    assert get_config().variant == "maxpool_lstm"
    for config in (lstm, gru):
        assert (config.data.corpus, config.data.max_words, config.data.max_len) == (
            "newsgroups",
            20000,
            100,
        )
        model = config.model
        assert (model.embed_dim, model.hidden_size, model.pooling) == (128, 50, "max")
        assert tuple(model.dense_sizes) == (50,) and model.head_dropout == 0.5
    assert (lstm.model.cell, gru.model.cell, gru.model.reset_after) == ("lstm", "gru", False)


def test_smoke_is_small_and_unknown_variant_lists_the_valid_ones():
    smoke = get_config("smoke")
    assert smoke.data.max_train_examples <= 200 and smoke.model.hidden_size <= 16
    with pytest.raises(ValueError, match=r"unknown variant 'gru'.*maxpool_lstm"):
        get_config("gru")
    assert set(VARIANTS) == {
        "maxpool_lstm", "maxpool_gru", "graphics_med", "electronics_christian_autos", "best",
        "smoke",
    }


def test_best_is_a_max_pooled_bigru_over_all_groups_reading_400_tokens():
    config = get_config("best")
    data, model = config.data, config.model
    assert tuple(data.categories) == () and (data.max_len, data.truncating) == (400, "post")
    assert (data.stopwords, data.max_words) == ("nltk", 50000)
    assert (model.cell, model.bidirectional, model.pooling, model.reset_after) == (
        "gru", True, "max", True
    )
    assert (model.embed_dim, model.hidden_size, config.train.epochs) == (128, 64, 12)
    assert (model.embedding_dropout, model.word_dropout) == (0.2, 0.1)
    assert (model.dense_dropout, config.train.grad_clip_norm) == (0.0, 0.0)
    assert model.ensemble_size == 7


@pytest.mark.parametrize(
    ("variant", "groups"),
    [
        ("graphics_med", ("comp.graphics", "sci.med")),
        ("electronics_christian_autos", ("rec.autos", "sci.electronics", "soc.religion.christian")),
    ],
)
def test_reference_001_model_and_keras_tokenizer(variant, groups):
    config = get_config(variant)
    data, model, train = config.data, config.model, config.train
    assert tuple(data.categories) == groups and data.corpus == "newsgroups"
    # Tokenizer(num_words=5000, oov_token): lowercase, punctuation filtered, digits and
    # stopwords kept; pad_sequences(maxlen=200, padding="post"), default truncating="pre".
    assert (data.max_words, data.lowercase, data.strip_punctuation) == (5000, True, True)
    assert (data.strip_digits, data.stopwords) == (False, "none")
    assert (data.max_len, data.padding, data.truncating) == (200, "post", "pre")
    assert (model.cell, model.bidirectional, model.pooling) == ("lstm", False, "last")
    assert (model.embed_dim, model.hidden_size, tuple(model.dense_sizes)) == (64, 64, (32,))
    assert (model.head_dropout, model.dense_dropout) == (0.5, 0.0)
    assert (train.optimizer, train.learning_rate, train.epochs, train.batch_size) == (
        "adam", 1e-3, 5, 64
    )
    assert data.validation_fraction > 0  # carved from the bydate train split
