"""Word-level GRU language model on news text, for generation (reference 002).

Variants: ``bbc`` (default: BBC article text from the data dir), ``headlines`` (the News Category
Dataset's headlines and descriptions, reference 002's corpus: ``news_category/`` in the data dir
holds ``News_Category_Dataset_v3.json``, gzipped or not, or a prefix of it such as our
``News_Category_Dataset_v3.first9999lines.json.gz``), ``smoke`` (tiny, for tests).
Usage::

    python -m rnnjax.train --config configs/news_gen.py --workdir runs/news_gen
    python -m rnnjax.sample --workdir runs/news_gen --prompt "the government" --temperature 0.7
"""

from __future__ import annotations

import ml_collections

from rnnjax.configs import language_model_config, pick_variant

VARIANTS = ("bbc", "headlines", "smoke")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    """Returns the config for variant ``arg`` (one of VARIANTS; default ``bbc``)."""
    variant = pick_variant(arg, VARIANTS, "configs/news_gen.py")
    config = language_model_config()
    config.variant = variant
    config.data.corpus = "bbc"  # the article texts, joined into one stream
    config.data.path = ""
    config.data.level = "word"
    config.data.lowercase = True
    config.data.strip_punctuation = True
    config.data.strip_digits = True
    config.data.collapse_whitespace = True
    config.data.max_words = 10000
    config.data.seq_len = 32
    config.model.cell = "gru"
    config.model.embed_dim = 128
    config.model.hidden_size = 256
    config.train.batch_size = 64
    config.train.eval_batch_size = 128
    config.train.epochs = 10
    config.train.learning_rate = 2e-3
    config.train.patience = 2
    if variant == "headlines":
        config.data.corpus = "news_category"
    elif variant == "smoke":
        config.data.max_train_examples = 100  # of the 1,780 BBC training articles
        config.data.validation_fraction = 0.02  # of the ~550-article stream: ~17k train words
        config.data.test_fraction = 0.9
        config.data.max_words = 2000
        config.data.seq_len = 16
        config.model.embed_dim = 16
        config.model.hidden_size = 16
        config.train.batch_size = 16
        config.train.eval_batch_size = 64
        config.train.epochs = 1
        config.train.log_every_steps = 10
    return config
