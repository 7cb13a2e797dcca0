"""Character-level GRU language model on Tiny Shakespeare (``shakespeare/input.txt.gz``).

Variants: ``gru`` (default: one GRU layer of 512 units, windows of 128 characters, batch 64),
``lstm`` (the same with an LSTM), ``smoke`` (tiny and a few seconds of training, for tests).
Usage::

    python -m rnnjax.train --config configs/shakespeare_char.py --workdir runs/shakes
    python -m rnnjax.sample --workdir runs/shakes --prompt "ROMEO:" --temperature 0.8
"""

from __future__ import annotations

import ml_collections

from rnnjax.configs import language_model_config, pick_variant

VARIANTS = ("gru", "lstm", "smoke")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    """Returns the config for variant ``arg`` (one of VARIANTS; default ``gru``)."""
    variant = pick_variant(arg, VARIANTS, "configs/shakespeare_char.py")
    config = language_model_config()
    config.variant = variant
    config.data.corpus = "text"
    config.data.path = "shakespeare/input.txt.gz"
    config.data.level = "char"
    config.data.max_words = 128  # 65 distinct characters + pad + OOV fit with room to spare
    config.data.seq_len = 128
    config.model.cell = "gru"
    config.model.embed_dim = 64
    config.model.hidden_size = 512
    config.train.batch_size = 64
    config.train.eval_batch_size = 128
    config.train.epochs = 15  # ~122 steps per epoch
    config.train.learning_rate = 2e-3
    config.train.schedule = "warmup_cosine"
    config.train.warmup_steps = 100
    config.train.patience = 3
    config.train.log_every_steps = 20
    if variant == "lstm":
        config.model.cell = "lstm"
    elif variant == "smoke":
        # Train on the first 5% of the text (the test split takes the tail), tiny model.
        config.data.validation_fraction = 0.02
        config.data.test_fraction = 0.93
        config.data.seq_len = 32
        config.model.embed_dim = 16
        config.model.hidden_size = 32
        config.train.batch_size = 16
        config.train.eval_batch_size = 64
        config.train.epochs = 1
        config.train.schedule = "constant"
        config.train.learning_rate = 1e-2
        config.train.log_every_steps = 10
    return config
