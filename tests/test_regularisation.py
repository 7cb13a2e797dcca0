"""AWD-LSTM regularisation: word dropout, embedding dropout, weight drop (masks, paths, config)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from test_custom_vjp import LENGTHS, H, X, loss_and_grads, random_like

from rnnjax.configs import classification_config, language_model_config
from rnnjax.errors import ConfigError
from rnnjax.models import RecurrentEncoder, build_model
from rnnjax.models.classifier import TokenEmbedding
from rnnjax.models.dropout import drop_connect, embedding_dropout, word_dropout

V, E = 40, 3
TOKENS = jnp.asarray(np.random.default_rng(0).integers(2, V, (8, 50)), jnp.int32).at[:, 40:].set(0)


def binomial_tolerance(n: int, p: float) -> float:
    """Five standard deviations of a rate measured over ``n`` Bernoulli(p) draws."""
    return 5 * np.sqrt(p * (1 - p) / n)


def test_word_dropout_replaces_real_tokens_by_oov_at_the_rate_and_never_padding():
    rate = 0.3
    got = np.asarray(word_dropout(jax.random.key(0), TOKENS, rate))
    tokens = np.asarray(TOKENS)
    changed = got != tokens
    assert np.all(got[changed] == 1)
    np.testing.assert_array_equal(got[tokens == 0], 0)
    real = tokens != 0
    assert abs(changed[real].mean() - rate) < binomial_tolerance(real.sum(), rate)


def test_embedding_dropout_drops_word_types_for_the_whole_batch_and_scales_the_rest():
    rate = 0.5
    table = jnp.asarray(np.random.default_rng(1).normal(size=(V, E)) + 3.0, jnp.float32)
    got = np.asarray(embedding_dropout(jax.random.key(2), TOKENS, table[TOKENS], V, rate))
    dropped = np.all(got == 0, axis=-1)
    np.testing.assert_allclose(got[~dropped], np.asarray(table[TOKENS])[~dropped] / (1 - rate))
    tokens = np.asarray(TOKENS)
    rates = [dropped[tokens == t].mean() for t in np.unique(tokens)]
    assert set(rates) <= {0.0, 1.0}  # a word type is dropped everywhere in the batch or nowhere
    assert 0 < np.mean(rates) < 1


def test_token_embedding_drops_only_in_training_and_freeze_stops_the_gradient():
    module = TokenEmbedding(V, E, word_dropout=0.5, embedding_dropout=0.5)
    variables = module.init(jax.random.key(0), TOKENS)
    table = variables["params"]["embedding"]
    np.testing.assert_array_equal(module.apply(variables, TOKENS), table[TOKENS])
    rngs = {"dropout": jax.random.key(1)}
    assert not np.array_equal(module.apply(variables, TOKENS, False, rngs=rngs), table[TOKENS])

    def grad(m):
        return jax.grad(lambda v: m.apply(v, TOKENS).sum())(variables)["params"]["embedding"]

    assert np.any(grad(module)) and not np.any(grad(module.clone(freeze=True)))


def test_drop_connect_mask_has_the_kernel_shape_and_scales_kept_weights():
    kernel = jnp.ones((2, 30, 90))
    got = np.asarray(drop_connect(jax.random.key(0), kernel, 0.25))
    np.testing.assert_allclose(np.unique(got), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((got == 0).mean() - 0.25) < binomial_tolerance(got.size, 0.25)


ENCODER_PATHS = [
    {"backward": "autodiff", "projection": "step"},
    {"backward": "autodiff", "projection": "sequence"},
    {"backward": "custom", "projection": "chunk", "chunk_size": 4},
    {"kernel": "pallas"},
]


@pytest.mark.parametrize("path", ENCODER_PATHS, ids=lambda p: "_".join(map(str, p.values())))
def test_weight_drop_is_one_kernel_mask_shared_by_every_step_and_row(path):
    """Training with weight drop equals a deterministic run whose recurrent kernel is multiplied
    by the mask that the layer drew (one per layer and batch, kept in "intermediates")."""
    encoder = RecurrentEncoder(
        cell="lstm", hidden_size=H, bidirectional=True, num_layers=2, weight_drop=0.5, **path
    )
    variables = random_like(jax.eval_shape(encoder.init, jax.random.key(0), X, LENGTHS), 7)
    rngs = {"dropout": jax.random.key(3)}
    (outputs, _), inter = encoder.apply(
        variables, X, LENGTHS, deterministic=False, rngs=rngs, mutable=["intermediates"]
    )
    params = jax.tree.map(lambda a: a, variables["params"])  # a copy to put the mask in
    for layer in ("layer_0", "layer_1"):
        (dropped,) = inter["intermediates"][layer]["dropped_recurrent_kernel"]
        ratio = np.asarray(dropped / params[layer]["recurrent_kernel"])
        np.testing.assert_allclose(np.unique(ratio.round(5)), [0.0, 2.0])
        params[layer]["recurrent_kernel"] = dropped
    want, _ = encoder.apply({"params": params}, X, LENGTHS)
    np.testing.assert_allclose(outputs, want, rtol=1e-5, atol=1e-6)
    # deterministic (evaluation): no weight drop at all
    plain = encoder.clone(weight_drop=0.0).apply(variables, X, LENGTHS)[0]
    np.testing.assert_array_equal(encoder.apply(variables, X, LENGTHS, rngs=rngs)[0], plain)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_weight_drop_gradients_equal_across_custom_and_autodiff_backward(cell):
    encoder = RecurrentEncoder(
        cell=cell, hidden_size=H, bidirectional=True, recurrent_dropout=0.3, weight_drop=0.4
    )
    (want_loss, want), (got_loss, got) = loss_and_grads(encoder, dropout=True)
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-5, atol=1e-5)
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5), got, want)
    # the dropped weights get no gradient: the mask zeroes some of U's entries' gradients
    u_grad = np.asarray(got[0]["params"]["layer_0"]["recurrent_kernel"])
    assert 0 < (u_grad == 0).mean() < 1


def test_config_keys_reach_the_model_and_bad_rates_fail():
    cfg = classification_config().model
    cfg.update(embedding_dropout=0.1, word_dropout=0.2, weight_drop=0.3, freeze_embeddings=True)
    model = build_model(cfg, vocab_size=V, num_classes=3)
    assert (model.embedding_dropout, model.word_dropout, model.freeze_embeddings) == (
        0.1, 0.2, True
    )
    assert model.encoder.weight_drop == 0.3
    for key in ("embedding_dropout", "word_dropout", "weight_drop"):
        bad = classification_config().model
        bad[key] = 1.0
        with pytest.raises(ConfigError, match=rf"{key} must lie in \[0, 1\)"):
            build_model(bad, vocab_size=V, num_classes=3)
    lm_cfg = language_model_config().model
    lm_cfg.update(embedding_dropout=0.1, word_dropout=0.2, freeze_embeddings=True)
    lm = build_model(lm_cfg, vocab_size=V, num_classes=None)  # a pretraining LM takes them too
    assert (lm.embedding_dropout, lm.word_dropout, lm.freeze_embeddings) == (0.1, 0.2, True)
    tokens = jnp.arange(2 * 6, dtype=jnp.int32).reshape(2, 6) % (V - 1) + 1
    params = lm.init(jax.random.key(0), tokens)
    trained, _ = lm.apply(params, tokens, deterministic=False, rngs={"dropout": jax.random.key(1)})
    evaluated, _ = lm.apply(params, tokens)
    assert not np.allclose(trained, evaluated)  # the dropouts act in training only
    np.testing.assert_array_equal(evaluated, lm.apply(params, tokens)[0])


def test_classifier_training_applies_the_dropouts_and_eval_does_not():
    cfg = classification_config().model
    cfg.update(head_dropout=0.0, dense_dropout=0.0, embedding_dropout=0.3, word_dropout=0.3)
    model = build_model(cfg, vocab_size=V, num_classes=3)
    lengths = jnp.full(TOKENS.shape[:1], 40, jnp.int32)
    variables = model.init(jax.random.key(0), TOKENS, lengths)
    plain = build_model(classification_config().model, vocab_size=V, num_classes=3)
    np.testing.assert_array_equal(
        model.apply(variables, TOKENS, lengths), plain.apply(variables, TOKENS, lengths)
    )
    train = model.apply(variables, TOKENS, lengths, False, rngs={"dropout": jax.random.key(1)})
    assert not np.allclose(train, model.apply(variables, TOKENS, lengths))
