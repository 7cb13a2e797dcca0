"""The pretraining stage of a classifier: which language model it trains, where, and from which
workdir a classifier starts (``train.init_from`` or its own ``pretrain/``)."""

from __future__ import annotations

from pathlib import Path

import ml_collections

from rnnjax.errors import ConfigError

PRETRAIN_DIR = "pretrain"  # <workdir>/pretrain: the language model of pretrain.enabled


def pretraining_config(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """The language-model config that pretrains ``config``'s classifier.

    It keeps the classifier's data settings (corpus, split, normalisation, vocabulary size: the
    LM reads only that split's training texts, plus ``pretrain.extra_corpora``) and its model
    (so the encoder's parameters fit the classifier's), and trains with the ``pretrain``
    section's epochs, learning rate, batch size and window length at a constant rate.
    """
    p = config.pretrain
    lm = ml_collections.ConfigDict(config.to_dict())
    lm.model.kind = "lm"
    lm.data.seq_len = int(p.seq_len)
    lm.train.update(
        epochs=p.epochs,
        learning_rate=p.learning_rate,
        batch_size=p.batch_size,
        schedule="constant",
        warmup_steps=0,
        label_smoothing=0.0,
        discriminative_decay=1.0,
        gradual_unfreezing=False,
        init_from="",
    )
    return lm


def is_pretraining(config: ml_collections.ConfigDict) -> bool:
    """True for a pretraining language model (``pretrain.enabled`` on an LM config)."""
    pretrain = config.get("pretrain")
    return config.model.kind == "lm" and pretrain is not None and bool(pretrain.enabled)


def init_from_dir(config: ml_collections.ConfigDict, workdir: Path) -> Path | None:
    """The language-model workdir a classifier starts from: ``train.init_from``, or
    ``<workdir>/pretrain`` when ``pretrain.enabled``; None for neither (or a language model)."""
    init_from = config.train.get("init_from", "")
    pretrain = config.get("pretrain")
    enabled = pretrain is not None and bool(pretrain.enabled)
    if config.model.kind != "classifier":
        if init_from:
            raise ConfigError(
                "train.init_from starts a classifier from a language model; this config "
                "trains a language model (model.kind='lm'): set train.init_from=''"
            )
        return None
    if init_from and enabled:
        raise ConfigError(
            f"train.init_from={init_from!r} and pretrain.enabled both give the classifier its "
            "start; set train.init_from='' (pretrain into <workdir>/pretrain) or "
            "pretrain.enabled=False (start from that workdir)"
        )
    if enabled:
        return workdir / PRETRAIN_DIR
    return Path(init_from) if init_from else None
