"""build_model: config model sections become the right modules; bad values name the key."""

from __future__ import annotations

import jax.numpy as jnp
import pytest

from rnnjax.configs import classification_config, language_model_config
from rnnjax.errors import ConfigError
from rnnjax.models import RNNLanguageModel, TextClassifier, build_model


def test_classifier_from_config_carries_every_model_key():
    cfg = classification_config().model
    cfg.update(
        cell="lstm",
        bidirectional=True,
        num_layers=2,
        pooling="attention",
        dtype="bfloat16",
        dense_sizes=[7, 3],
        reset_after=False,
        projection="chunk",
        chunk_size=3,
        backward="custom",
        attention_use_scale=False,
    )
    model = build_model(cfg, vocab_size=50, num_classes=4)
    assert isinstance(model, TextClassifier)
    assert (model.vocab_size, model.num_classes, model.pooling) == (50, 4, "attention")
    assert model.dense_sizes == (7, 3) and model.attention_use_scale is False
    enc = model.encoder
    assert (enc.cell, enc.num_layers, enc.bidirectional, enc.dtype) == (
        "lstm",
        2,
        True,
        jnp.bfloat16,
    )
    assert (enc.projection, enc.chunk_size, enc.reset_after) == ("chunk", 3, False)
    assert enc.backward == "custom"


def test_language_model_from_config():
    model = build_model(language_model_config().model, vocab_size=65, num_classes=None)
    assert isinstance(model, RNNLanguageModel)
    assert model.vocab_size == 65 and model.encoder.hidden_size == 256


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("kind", "seq2seq", r"model.kind='seq2seq'; expected 'classifier' or 'lm'"),
        ("cell", "lstn", r"cell='lstn' is not a recurrent cell"),
        ("pooling", "sum", r"model.pooling='sum'; expected one of"),
        ("dtype", "float16", r"model.dtype='float16'; expected one of \('float32', 'bfloat16'\)"),
        ("projection", "hoisted", r"projection='hoisted'; expected one of"),
        ("backward", "fused", r"backward='fused'; expected one of"),
        ("hidden_size", 0, r"hidden_size must be >= 1"),
        ("dropout", 1.5, r"dropout must lie in \[0, 1\)"),
    ],
)
def test_bad_model_config_raises_config_error_naming_the_key(key, value, message):
    cfg = classification_config().model
    cfg[key] = value
    with pytest.raises(ConfigError, match=message):
        build_model(cfg, vocab_size=50, num_classes=4)


def test_bad_sizes_are_rejected():
    cfg = classification_config().model
    with pytest.raises(ConfigError, match="num_classes >= 2"):
        build_model(cfg, vocab_size=50, num_classes=None)
    with pytest.raises(ConfigError, match="vocab_size must be >= 2"):
        build_model(cfg, vocab_size=1, num_classes=3)
    lm = language_model_config().model
    lm.bidirectional, lm.num_layers = True, 2
    with pytest.raises(ConfigError, match=r"needs model\.num_layers=1"):
        build_model(lm, vocab_size=50, num_classes=None)
