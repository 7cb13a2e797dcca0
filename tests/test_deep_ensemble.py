"""``model.ensemble_size``: K classifiers in one vmapped model, each trained exactly as it would
be alone, predicting the mean of their probabilities; end to end through the CLI."""

from __future__ import annotations

import functools
import json

import jax
import numpy as np
import pytest
from train_helpers import ATTENTION, error_line, run_module, trained_workdir

from rnnjax.cli import load_config
from rnnjax.configs import classification_config
from rnnjax.errors import ConfigError
from rnnjax.models import build_model
from rnnjax.training.forward import init_params
from rnnjax.training.optimizer import make_optimizer
from rnnjax.training.parallel import global_batch, make_mesh
from rnnjax.training.state import TrainState, check_ensemble
from rnnjax.training.steps import compile_train_step

VOCAB, CLASSES, T, K = 40, 3, 6, 3


def _config(ensemble_size: int, dropout: float = 0.0):
    config = classification_config()
    config.model.update(embed_dim=8, hidden_size=8, dense_sizes=(8,), bidirectional=True)
    config.model.update(head_dropout=dropout, dense_dropout=dropout, pooling="max")
    config.model.ensemble_size = ensemble_size
    config.train.grad_clip_norm = 0.05  # small enough to clip every step: per member or not
    return config


def _model(ensemble_size: int, dropout: float = 0.0):
    return build_model(_config(ensemble_size, dropout).model, vocab_size=VOCAB,
                       num_classes=CLASSES)


def _batch(rows=8, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, T + 1, size=rows).astype(np.int32)
    tokens = rng.integers(2, VOCAB, size=(rows, T)).astype(np.int32)
    tokens[np.arange(T)[None, :] >= lengths[:, None]] = 0
    labels = rng.integers(0, CLASSES, size=rows).astype(np.int32)
    weights = np.array([1, 1, 1, 1, 1, 1, 0, 0], np.float32)[:rows]  # two padding rows
    return {"tokens": tokens, "lengths": lengths, "labels": labels, "weights": weights}


def _member(params, k):
    return jax.tree.map(lambda a: a[k], params["members"])


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_the_ensemble_predicts_the_mean_of_its_members_probabilities():
    ensemble, single = _model(K, dropout=0.5), _model(1, dropout=0.5)
    batch = _batch()
    params = init_params(ensemble, "classifier", T, jax.random.PRNGKey(0))
    member_logits = [
        np.asarray(single.apply({"params": _member(params, k)}, batch["tokens"],
                                batch["lengths"]))
        for k in range(K)
    ]
    assert not np.allclose(member_logits[0], member_logits[1])  # their own initialisation
    expected = np.mean([_softmax(x) for x in member_logits], axis=0)
    logits = ensemble.apply({"params": params}, batch["tokens"], batch["lengths"])
    assert logits.shape == (8, CLASSES)
    np.testing.assert_allclose(_softmax(np.asarray(logits)), expected, rtol=1e-5, atol=1e-6)

    train = ensemble.apply({"params": params}, batch["tokens"], batch["lengths"],
                           deterministic=False, rngs={"dropout": jax.random.PRNGKey(1)})
    assert train.shape == (8, K, CLASSES)  # each member's own logits, own dropout masks
    assert not np.allclose(train[:, 0] - member_logits[0], train[:, 1] - member_logits[1])


def test_each_member_trains_exactly_as_it_would_alone():
    """One step of the ensemble (own Adam state and gradient clipping per member) against K
    separate single-model steps from the members' initial params, on the same batch."""
    mesh = make_mesh(jax.devices()[:1])
    batch = global_batch(_batch(), mesh)
    ensemble, single = _model(K), _model(1)
    train_cfg = _config(K).train
    params = init_params(ensemble, "classifier", T, jax.random.PRNGKey(0))
    initial = [jax.tree.map(np.asarray, _member(params, k)) for k in range(K)]  # step donates
    tx_k = make_optimizer(train_cfg, total_steps=10, members=K)
    state = TrainState.create(params, tx_k, jax.random.PRNGKey(1))
    step = compile_train_step(ensemble, mesh)
    for _ in range(2):
        state, sums = step(state, batch)

    tx = make_optimizer(train_cfg, total_steps=10)
    single_step = compile_train_step(single, mesh)
    losses = []
    for k in range(K):
        alone = TrainState.create(initial[k], tx, jax.random.PRNGKey(1))
        for _ in range(2):
            alone, alone_sums = single_step(alone, batch)
        losses.append(float(alone_sums["loss"]) / float(alone_sums["weight"]))
        jax.tree.map(
            functools.partial(np.testing.assert_allclose, rtol=2e-5, atol=1e-6),
            _member(state.params, k),
            alone.params,
        )
    # the metric sums count every member: the loss reported is the members' mean
    assert float(sums["weight"]) == K * 6
    assert float(sums["loss"]) / float(sums["weight"]) == pytest.approx(np.mean(losses), 1e-5)


def test_ensembles_refuse_a_pretrained_start_and_language_models():
    config = _config(2)
    assert check_ensemble(config) == 2
    config.train.init_from = "runs/lm"
    config.train.discriminative_decay = 2.6
    with pytest.raises(ConfigError, match=r"train\.init_from, train\.discriminative_decay"):
        check_ensemble(config)
    config = _config(2)
    config.model.kind = "lm"
    with pytest.raises(ConfigError, match="ensembles are for classifiers"):
        build_model(config.model, vocab_size=VOCAB, num_classes=None)
    config.model.ensemble_size = 0
    with pytest.raises(ConfigError, match="ensemble_size must be >= 1"):
        build_model(config.model, vocab_size=VOCAB, num_classes=None)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return trained_workdir(
        tmp_path_factory.getbasetemp(), *ATTENTION, "--config.model.ensemble_size=2"
    )


def test_an_ensemble_trains_evaluates_predicts_and_explains_from_the_cli(workdir):
    assert json.loads((workdir / "config.json").read_text())["model"]["ensemble_size"] == 2
    result = run_module("rnnjax.evaluate", "--workdir", str(workdir), "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["num_examples"] == 30
    result = run_module("rnnjax.predict", "--workdir", str(workdir), "--json",
                        "--explain", "Shares rose after the bank's results")
    assert result.returncode == 0, result.stderr[-3000:]
    (prediction,) = json.loads(result.stdout)
    assert sum(prediction["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
    assert len(prediction["weights"]) == len(prediction["tokens"]) > 0
    assert sum(prediction["weights"]) == pytest.approx(1.0, abs=1e-5)  # the members' mean


def test_an_ensemble_with_a_language_model_start_is_one_error_line(tmp_path):
    line = error_line(run_module(
        "rnnjax.train", "--config", "configs/bbc_news.py:smoke_pretrain",
        "--config.model.ensemble_size=2", "--workdir", str(tmp_path / "run"),
    ))
    assert "model.ensemble_size=2 cannot be combined with pretrain.enabled" in line


def test_summary_shows_one_member_and_the_ensemble_total():
    result = run_module("rnnjax.models", "summary", "--config", "configs/bbc_news.py:smoke",
                        "--config.model.ensemble_size=3", "--num_classes=5")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == 'Model: "TextClassifier, one of an ensemble of 3"'
    config = load_config("configs/bbc_news.py:smoke")
    config.model.ensemble_size = 3
    model = build_model(config.model, vocab_size=config.data.max_words, num_classes=5)
    shapes = jax.eval_shape(
        lambda: init_params(model, "classifier", config.data.max_len, jax.random.PRNGKey(0))
    )
    count = sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(shapes))
    assert lines[-1] == f"Ensemble params: {count:,}"
