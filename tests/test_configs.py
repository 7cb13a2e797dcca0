"""Every variant of every config family in configs/: it loads, its data section prepares the
tiny corpus, and its model, shrunk to smoke size, runs on a batch."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from rnnjax.cli import load_config
from rnnjax.data import prepare_classification
from rnnjax.models import build_model

from conftest import REPO_ROOT

CONFIGS = REPO_ROOT / "configs"
FAMILIES = sorted(p.name for p in CONFIGS.glob("*.py") if p.name != "__init__.py")


def _variants(family: str) -> tuple[str, ...]:
    import importlib

    return importlib.import_module(f"configs.{family.removesuffix('.py')}").VARIANTS


CLASSIFIERS = [
    (family, variant)
    for family in FAMILIES
    for variant in _variants(family)
    if load_config(f"{CONFIGS}/{family}:{variant}").model.kind == "classifier"
]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_has_a_smoke_variant_and_a_default(family):
    variants = _variants(family)
    assert "smoke" in variants and variants[0] != "smoke"
    assert load_config(str(CONFIGS / family)).variant == variants[0]
    for variant in variants:
        assert load_config(f"{CONFIGS}/{family}:{variant}").variant == variant


@pytest.mark.parametrize(("family", "variant"), CLASSIFIERS)
def test_classifier_variant_prepares_the_tiny_corpus_and_runs_at_smoke_size(family, variant):
    config = load_config(f"{CONFIGS}/{family}:{variant}")
    config.data.max_train_examples = 40
    config.data.max_words = 200
    data = prepare_classification(config.data)
    assert all(len(split) for split in data.splits.values())
    model_cfg = config.model
    model_cfg.embed_dim, model_cfg.hidden_size = 8, 4
    model_cfg.dense_sizes = tuple(4 for _ in model_cfg.dense_sizes)
    model = build_model(model_cfg, vocab_size=len(data.vocab), num_classes=len(data.labels))
    tokens, lengths = data.splits["test"].padded(12, config.data.padding, config.data.truncating)
    tokens, lengths = tokens[:2], np.maximum(lengths[:2], 1)
    params = model.init(jax.random.key(0), tokens, lengths)
    logits = model.apply(params, tokens, lengths)
    assert logits.shape == (2, len(data.labels)) and np.isfinite(np.asarray(logits)).all()


def test_bbc_default_is_the_bidirectional_max_pooled_gru_and_best_an_ensemble_of_it():
    config = load_config(f"{CONFIGS}/bbc_news.py")
    model = config.model
    assert (model.cell, model.bidirectional, model.pooling) == ("gru", True, "max")
    variants = {
        v: load_config(f"{CONFIGS}/bbc_news.py:{v}").model for v in _variants("bbc_news.py")
    }
    assert [variants[v].cell for v in ("gru", "lstm", "bigru", "bilstm")] == [
        "gru", "lstm", "gru", "lstm"
    ]
    assert [variants[v].bidirectional for v in ("gru", "bigru", "bilstm", "bigru_attention")] == [
        False, True, True, True
    ]
    assert variants["bigru_attention"].pooling == "attention"
    assert (config.data.max_len, config.data.max_words) == (600, 20000)
    assert max(config.data.bucket_boundaries) < config.data.max_len
    best = load_config(f"{CONFIGS}/bbc_news.py:best")
    assert (best.model.pooling, best.model.ensemble_size) == ("concat", 3)
    # each as measured end to end (benchmarks/README.md, "Projection at the configs' shapes")
    assert (config.model.projection, best.model.projection) == ("step", "sequence")
    best.model.pooling, best.model.ensemble_size, best.variant = "max", 1, config.variant
    best.model.projection = "step"
    assert best.to_dict() == config.to_dict()  # otherwise the default


@pytest.mark.parametrize("variant", ["lstm_attention", "gru_attention"])
def test_ag_news_reference_003_models_and_their_mini_twins(variant):
    full, mini = load_config(f"{CONFIGS}/ag_news.py:{variant}"), load_config(
        f"configs/ag_news.py:{variant}_mini"
    )
    assert (full.data.corpus, mini.data.corpus) == ("ag_news", "ag_news_mini")
    for config in (full, mini):
        data, model = config.data, config.model
        assert (data.lowercase, data.strip_punctuation, data.strip_digits) == (True, True, True)
        assert data.stopwords == "nltk"
        assert model.cell == variant.split("_")[0] and model.bidirectional
        assert model.pooling == "attention" and tuple(model.dense_sizes) == ()
        assert (config.train.optimizer, config.train.epochs) == ("adam", 10)
        assert config.train.patience > 0  # early stopping on validation loss


def test_ag_news_best_is_an_ensemble_of_the_mini_bigru_with_max_pooling():
    best = load_config(f"{CONFIGS}/ag_news.py:best")
    assert best.data.corpus == "ag_news_mini" and best.data.stopwords == "nltk"
    model = best.model
    assert (model.cell, model.bidirectional, model.pooling) == ("gru", True, "max")
    assert tuple(model.dense_sizes) == (32,) and best.train.learning_rate == 3e-3
    assert model.ensemble_size == 3
