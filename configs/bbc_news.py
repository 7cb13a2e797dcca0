"""BBC News topic classification (reference 000): 5 classes, seeded stratified 80/10/10 split.

Variants: ``gru`` (default), ``lstm``, ``smoke`` (tiny and fast, for tests).
Usage: ``python -m rnnjax.train --config configs/bbc_news.py:lstm --workdir runs/bbc``.
"""

from __future__ import annotations

import ml_collections

VARIANTS = ("gru", "lstm", "smoke")


def data_config() -> ml_collections.ConfigDict:
    """The ``data`` section shared by every classification config."""
    return ml_collections.ConfigDict(
        dict(
            corpus="bbc",  # bbc | newsgroups | ag_news | ag_news_mini | news_category | csv | jsonl
            data_dir="",  # "" -> $RNNJAX_DATA_DIR, else ~/rnnjax_data
            path="",  # csv / jsonl / text corpora: file path (absolute or under data_dir)
            text_column="text",
            label_column="label",
            categories=(),  # newsgroups subset; () = all 20
            remove=(),  # newsgroups: any of "headers", "footers", "quotes"
            validation_fraction=0.1,  # carved from train (stratified, seeded)
            test_fraction=0.1,  # only for corpora without an official test split
            split_seed=0,
            max_train_examples=0,  # 0 = all; >0 keeps a stratified subset (smoke runs)
            lowercase=True,
            strip_punctuation=True,
            strip_digits=True,
            stopwords="nltk",  # nltk | sklearn | none
            level="word",  # word | char
            max_words=10000,  # vocabulary size including pad (0) and OOV (1)
            min_freq=1,
            max_len=300,
            padding="post",  # pre | post
            truncating="post",  # pre | post
            bucket_boundaries=(),  # () = pad every batch to max_len; else a few fixed lengths
            shuffle_buffer=10000,
        )
    )


def model_config() -> ml_collections.ConfigDict:
    """The ``model`` section of a text classifier (see rnnjax.models.TextClassifier)."""
    return ml_collections.ConfigDict(
        dict(
            kind="classifier",  # classifier | lm
            embed_dim=64,
            cell="gru",  # lstm | gru | rnn
            hidden_size=64,
            num_layers=1,
            bidirectional=False,
            dropout=0.0,  # between stacked recurrent layers
            recurrent_dropout=0.0,  # on the recurrent state, one mask per sequence
            pooling="last",  # last | max | mean | attention
            dense_sizes=(32,),  # relu layers between pooling and the logits
            head_dropout=0.5,  # after pooling and after each dense layer
            unroll=1,
            dtype="float32",  # float32 | bfloat16 (compute dtype; params stay float32)
            forget_bias=1.0,
            reset_after=True,  # GRU form: True = cuDNN/Flax/Keras 2+, False = Cho et al. 2014
            projection="step",  # step | sequence | chunk: where x @ W_i is computed
        )
    )


def train_config() -> ml_collections.ConfigDict:
    """The ``train`` section: optimizer, schedule, loop, checkpoints."""
    return ml_collections.ConfigDict(
        dict(
            seed=0,
            batch_size=32,  # global batch, divisible by the device count
            eval_batch_size=64,
            epochs=10,
            optimizer="adam",  # adam | adamw | sgd
            learning_rate=1e-3,
            schedule="constant",  # constant | warmup_cosine
            warmup_steps=0,
            weight_decay=0.0,
            momentum=0.9,  # sgd only
            grad_clip_norm=1.0,  # 0 = off
            label_smoothing=0.0,
            patience=3,  # early stopping on validation loss; 0 = off
            eval_every_steps=0,  # 0 = once per epoch
            checkpoint_every_steps=0,  # 0 = once per epoch
            keep_checkpoints=2,  # latest N kept for resuming (the best is kept too)
            log_every_steps=10,
        )
    )


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    """Returns the config for variant ``arg`` (one of VARIANTS; default ``gru``)."""
    variant = arg or "gru"
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r} of configs/bbc_news.py; valid: {VARIANTS}")
    config = ml_collections.ConfigDict()
    config.variant = variant
    config.data = data_config()
    config.model = model_config()
    config.train = train_config()
    if variant == "lstm":
        config.model.cell = "lstm"
    elif variant == "smoke":
        config.data.max_words = 2000
        config.data.max_len = 32
        config.data.max_train_examples = 200
        config.model.embed_dim = 16
        config.model.hidden_size = 16
        config.model.dense_sizes = (16,)
        config.train.batch_size = 16
        config.train.eval_batch_size = 32
        config.train.epochs = 2
        config.train.log_every_steps = 5
    return config
