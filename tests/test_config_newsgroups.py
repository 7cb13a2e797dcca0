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
    assert set(VARIANTS) == {"maxpool_lstm", "maxpool_gru", "smoke"}
