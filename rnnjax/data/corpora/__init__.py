"""Corpus loaders: each reads local files first, downloads with a timeout when they are absent,
and returns train/validation/test splits of (text, label id) with the class names."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import ml_collections

from rnnjax.data.corpora.ag_news import load_ag_news, load_ag_news_mini
from rnnjax.data.corpora.bbc import load_bbc
from rnnjax.data.corpora.newsgroups import load_newsgroups
from rnnjax.data.corpora.plaintext import load_text
from rnnjax.data.corpora.tabular import load_news_category, load_table
from rnnjax.data.splits import Corpus, subsample_train
from rnnjax.errors import ConfigError

CORPORA: dict[str, Callable[[ml_collections.ConfigDict], Corpus] | None] = {
    "bbc": load_bbc,
    "newsgroups": load_newsgroups,
    "ag_news": load_ag_news,
    "ag_news_mini": load_ag_news_mini,
    "news_category": load_news_category,
    "csv": load_table,
    "jsonl": load_table,
    "text": None,  # unlabelled: language models only (see load_text)
}


def load_corpus(data_cfg: ml_collections.ConfigDict) -> Corpus:
    """Loads ``data.corpus`` split three ways; ``data.max_train_examples`` > 0 keeps a stratified
    subset of train (validation and test stay whole)."""
    from rnnjax.data.validation import validate_data_config

    validate_data_config(data_cfg)
    loader = CORPORA[data_cfg.corpus]
    if loader is None:
        raise ConfigError(
            f"data.corpus {data_cfg.corpus!r} has no labels; use it with a language model "
            "(model.kind='lm') or pick a classification corpus"
        )
    corpus = loader(data_cfg)
    if corpus.decode_replacements:
        logging.warning(
            "%s: %d invalid UTF-8 byte sequence(s) were replaced with U+FFFD (nothing dropped)",
            data_cfg.corpus,
            corpus.decode_replacements,
        )
    train = subsample_train(corpus.train, corpus.label_names, data_cfg)
    return dataclasses.replace(corpus, train=train)


__all__ = ["CORPORA", "Corpus", "load_corpus", "load_text"]
