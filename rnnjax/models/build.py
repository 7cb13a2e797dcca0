"""build_model: the model described by a config's ``model`` section."""

from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp
import ml_collections

from rnnjax.errors import ConfigError
from rnnjax.models.classifier import TextClassifier
from rnnjax.models.encoder import RecurrentEncoder
from rnnjax.models.ensemble import make_ensemble
from rnnjax.models.heads import POOLINGS
from rnnjax.models.language_model import RNNLanguageModel, check_bidirectional

DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}
# the TextClassifier's embedding options (rnnjax.models.classifier.TokenEmbedding)
EMBEDDING_RATES = ("word_dropout", "embedding_dropout")


def encoder_from_config(model_cfg: ml_collections.ConfigDict) -> RecurrentEncoder:
    """The RecurrentEncoder of ``model_cfg`` (ConfigError for an unknown cell/dtype/projection)."""
    if model_cfg.dtype not in DTYPES:
        raise ConfigError(f"model.dtype={model_cfg.dtype!r}; expected one of {tuple(DTYPES)}")
    encoder = RecurrentEncoder(
        cell=model_cfg.cell,
        hidden_size=model_cfg.hidden_size,
        num_layers=model_cfg.num_layers,
        bidirectional=model_cfg.bidirectional,
        dropout=model_cfg.dropout,
        unroll=model_cfg.unroll,
        dtype=DTYPES[model_cfg.dtype],
        forget_bias=model_cfg.forget_bias,
        reset_after=model_cfg.reset_after,
        recurrent_dropout=model_cfg.recurrent_dropout,
        projection=model_cfg.projection,
        chunk_size=model_cfg.chunk_size,
        backward=model_cfg.backward,
        kernel=model_cfg.kernel,
        weight_drop=model_cfg.weight_drop,
    )
    encoder.check_config()  # fail now, not at the first call
    return encoder


def build_model(
    model_cfg: ml_collections.ConfigDict, *, vocab_size: int, num_classes: int | None
) -> nn.Module:
    """TextClassifier (``model_cfg.kind == "classifier"``; an Ensemble of them when
    ``model_cfg.ensemble_size`` > 1) or RNNLanguageModel ("lm").

    Args:
        model_cfg: the ``model`` section (schema in rnnjax.configs.model_config).
        vocab_size: embedding rows (the vocabulary size including pad and OOV).
        num_classes: logits of a classifier; ignored (may be None) for a language model.
    """
    if vocab_size < 2:
        raise ConfigError(f"vocab_size must be >= 2 (pad and OOV at least), got {vocab_size}")
    encoder = encoder_from_config(model_cfg)
    for name in EMBEDDING_RATES:
        if not 0.0 <= model_cfg[name] < 1.0:
            raise ConfigError(f"model.{name} must lie in [0, 1), got {model_cfg[name]}")
    size = model_cfg.ensemble_size
    if size < 1:
        raise ConfigError(f"model.ensemble_size must be >= 1 (1 = one model), got {size}")
    if model_cfg.kind == "lm":
        if size > 1:
            raise ConfigError(
                f"model.ensemble_size={size}: ensembles are for classifiers; a language model "
                "takes model.ensemble_size=1"
            )
        check_bidirectional(model_cfg.bidirectional, model_cfg.num_layers)
        return RNNLanguageModel(
            vocab_size=vocab_size,
            encoder=encoder,
            embed_dim=model_cfg.embed_dim,
            head_dropout=model_cfg.head_dropout,
            word_dropout=model_cfg.word_dropout,
            embedding_dropout=model_cfg.embedding_dropout,
            freeze_embeddings=model_cfg.freeze_embeddings,
        )
    if model_cfg.kind != "classifier":
        raise ConfigError(f"model.kind={model_cfg.kind!r}; expected 'classifier' or 'lm'")
    if not num_classes or num_classes < 2:
        raise ConfigError(f"a classifier needs num_classes >= 2, got {num_classes}")
    if model_cfg.pooling not in POOLINGS:
        raise ConfigError(f"model.pooling={model_cfg.pooling!r}; expected one of {POOLINGS}")
    member_kwargs = dict(
        vocab_size=vocab_size,
        num_classes=num_classes,
        encoder=encoder,
        embed_dim=model_cfg.embed_dim,
        pooling=model_cfg.pooling,
        dense_sizes=tuple(model_cfg.dense_sizes),
        head_dropout=model_cfg.head_dropout,
        dense_dropout=model_cfg.dense_dropout,
        attention_use_scale=model_cfg.attention_use_scale,
        word_dropout=model_cfg.word_dropout,
        embedding_dropout=model_cfg.embedding_dropout,
        freeze_embeddings=model_cfg.freeze_embeddings,
    )
    if size > 1:
        return make_ensemble(size, **member_kwargs)
    return TextClassifier(**member_kwargs)
