"""TextClassifier: wiring against its parts, padding invariance per pooling, dropout, dtypes."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnnjax.models import RecurrentEncoder, TextClassifier
from rnnjax.models.heads import max_pool

V, C, E, H = 11, 3, 6, 4
TOKENS = jnp.array([[3, 4, 5, 6, 0], [7, 8, 0, 0, 0], [0, 0, 0, 0, 0]], jnp.int32)
LENGTHS = jnp.array([5, 2, 0], jnp.int32)


def make(pooling="max", bidirectional=True, **kwargs) -> TextClassifier:
    encoder = RecurrentEncoder(cell="gru", hidden_size=H, bidirectional=bidirectional)
    return TextClassifier(
        vocab_size=V,
        num_classes=C,
        encoder=encoder.clone(**kwargs),
        embed_dim=E,
        pooling=pooling,
        dense_sizes=(5,),
    )


def random_variables(model: TextClassifier) -> dict:
    shapes = jax.eval_shape(model.init, jax.random.key(0), TOKENS, LENGTHS)
    rng = np.random.default_rng(1)
    return jax.tree.map(lambda s: jnp.asarray(0.5 * rng.normal(size=s.shape), s.dtype), shapes)


@functools.partial(jax.jit, static_argnums=0, static_argnames="deterministic")
def apply(model, variables, tokens, lengths, deterministic=True, rngs=None):
    return model.apply(variables, tokens, lengths, deterministic, rngs=rngs)


def test_logits_are_embed_encoder_pool_dense_relu_dense():
    model = make()
    variables = random_variables(model)
    p = variables["params"]
    logits = apply(model, variables, TOKENS, LENGTHS)
    x = p["embed"]["embedding"][TOKENS]
    outputs, _ = model.encoder.apply({"params": p["encoder"]}, x, LENGTHS)
    y = np.asarray(max_pool(outputs, LENGTHS))
    y = np.maximum(y @ p["dense_0"]["kernel"] + p["dense_0"]["bias"], 0)
    want = y @ p["logits"]["kernel"] + p["logits"]["bias"]
    assert logits.shape == (3, C) and logits.dtype == jnp.float32
    np.testing.assert_allclose(logits, want, atol=1e-5)


@pytest.mark.parametrize("pooling", ["last", "max", "mean", "concat", "attention"])
def test_tokens_after_length_never_matter(pooling):
    model = make(pooling, bidirectional=pooling == "last")  # last: forward and backward finals
    variables = random_variables(model)
    garbage = jnp.concatenate([TOKENS.at[1, 2:].set(9), jnp.full((3, 2), 10)], axis=1)
    clean = apply(model, variables, TOKENS, LENGTHS)
    np.testing.assert_allclose(apply(model, variables, garbage, LENGTHS), clean, atol=1e-6)
    assert np.isfinite(clean).all()
    # and the empty row's logits are those of a zero pooled vector through the dense layers
    p = variables["params"]
    hidden = np.maximum(p["dense_0"]["bias"], 0)
    if pooling != "last":
        np.testing.assert_allclose(
            clean[2], hidden @ p["logits"]["kernel"] + p["logits"]["bias"], atol=1e-6
        )


def test_head_dropout_is_active_only_when_not_deterministic():
    model = make("mean", bidirectional=False)
    variables = random_variables(model)
    rngs = {"dropout": jax.random.key(3)}
    clean = apply(model, variables, TOKENS, LENGTHS)
    noisy = apply(model, variables, TOKENS, LENGTHS, deterministic=False, rngs=rngs)
    assert not np.allclose(clean, noisy)
    np.testing.assert_array_equal(
        apply(model, variables, TOKENS, LENGTHS, deterministic=False, rngs=rngs), noisy
    )


def test_bfloat16_model_keeps_float32_params_and_logits():
    model = make("attention", dtype=jnp.bfloat16)
    variables = random_variables(model)
    assert {a.dtype for a in jax.tree.leaves(variables)} == {jnp.dtype(jnp.float32)}
    low = apply(model, variables, TOKENS, LENGTHS)
    high = apply(make("attention"), variables, TOKENS, LENGTHS)
    assert low.dtype == jnp.float32
    assert np.linalg.norm(low - high) / np.linalg.norm(high) < 1e-2


def test_real_init_lstm_forget_bias_and_finite_gradients():
    model = TextClassifier(
        vocab_size=V,
        num_classes=C,
        encoder=RecurrentEncoder(cell="lstm", hidden_size=H, forget_bias=1.0),
        embed_dim=E,
        pooling="max",
    )
    variables = jax.jit(model.init)(jax.random.key(0), TOKENS, LENGTHS)
    bias = variables["params"]["encoder"]["layer_0"]["bias"][0]
    np.testing.assert_array_equal(bias, np.repeat([0.0, 1.0, 0.0, 0.0], H))
    assert float(jnp.std(variables["params"]["embed"]["embedding"])) < 0.1

    def loss(v):
        return jnp.sum(model.apply(v, TOKENS, LENGTHS) ** 2)

    grads = jax.jit(jax.grad(loss))(variables)
    assert all(bool(jnp.isfinite(g).all()) for g in jax.tree.leaves(grads))
    assert float(jnp.abs(grads["params"]["encoder"]["layer_0"]["kernel"]).sum()) > 0


def test_tokens_of_the_wrong_rank_or_dtype_are_rejected():
    model = make()
    with pytest.raises(ValueError, match=r"tokens must be int32\[batch, time\].*\[5\]"):
        model.init(jax.random.key(0), TOKENS[0], LENGTHS)
    with pytest.raises(ValueError, match=r"tokens must be int32\[batch, time\]"):
        model.init(jax.random.key(0), TOKENS.astype(jnp.float32), LENGTHS)
