"""rnnjax models against Keras layers with the same weights ported in (float32, 1e-5).

Keras (TensorFlow backend) is an independent implementation of the same equations and of masked
sequences; reference 004's Keras parameter counts come from Keras itself here.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
keras = pytest.importorskip("keras")

from rnnjax.models import RecurrentEncoder  # noqa: E402
from rnnjax.models.heads import Pooling  # noqa: E402

B, T, E, H = 3, 7, 5, 4
RNG = np.random.default_rng(3)
X = RNG.normal(size=(B, T, E)).astype(np.float32)
LENGTHS = np.array([7, 4, 1], np.int32)
MASK = np.arange(T)[None, :] < LENGTHS[:, None]


def random_params(encoder: RecurrentEncoder) -> dict:
    shapes = jax.eval_shape(encoder.init, jax.random.key(0), X, LENGTHS)["params"]
    return jax.tree.map(lambda s: (0.5 * RNG.normal(size=s.shape)).astype(np.float32), shapes)


def keras_weights(cell: str, reset_after: bool, p: dict, d: int) -> list[np.ndarray]:
    """Our direction ``d`` as Keras [kernel, recurrent_kernel, bias] (gate orders coincide)."""
    weights = [p["kernel"][d], p["recurrent_kernel"][d], p["bias"][d]]
    if cell == "gru" and reset_after:  # Keras keeps input and recurrent biases: [2, 3H]
        recurrent = np.concatenate([np.zeros(2 * H, np.float32), p["recurrent_bias"][d]])
        weights[2] = np.stack([p["bias"][d], recurrent])
    return weights


def keras_layer(cell: str, reset_after: bool):
    if cell == "lstm":
        return keras.layers.LSTM(H, return_sequences=True, return_state=True)
    return keras.layers.GRU(H, return_sequences=True, return_state=True, reset_after=reset_after)


@pytest.mark.parametrize(
    ("cell", "reset_after"),
    [("lstm", True), ("gru", True), ("gru", False)],
    ids=["lstm", "gru", "gru_reset_before"],
)
def test_unidirectional_matches_keras_layer(cell, reset_after):
    encoder = RecurrentEncoder(cell=cell, hidden_size=H, reset_after=reset_after)
    params = random_params(encoder)
    layer = keras_layer(cell, reset_after)
    layer.build((None, T, E))
    layer.set_weights(keras_weights(cell, reset_after, params["layer_0"], 0))
    want, *want_state = (np.asarray(a) for a in layer(X, mask=MASK))

    outputs, state = encoder.apply({"params": params}, X, LENGTHS)
    np.testing.assert_allclose(np.where(MASK[..., None], want, 0), outputs, atol=1e-5)
    got_state = [state[0][0][1], state[0][0][0]] if cell == "lstm" else [state[0][0]]
    for got, expected in zip(got_state, want_state, strict=True):  # Keras: h then c
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_bidirectional_lstm_matches_keras_bidirectional_with_mask():
    encoder = RecurrentEncoder(cell="lstm", hidden_size=H, bidirectional=True)
    params = random_params(encoder)
    layer = keras.layers.Bidirectional(keras_layer("lstm", True))
    layer.build((None, T, E))
    p = params["layer_0"]
    layer.set_weights(keras_weights("lstm", True, p, 0) + keras_weights("lstm", True, p, 1))
    want, h_fwd, c_fwd, h_bwd, c_bwd = (np.asarray(a) for a in layer(X, mask=MASK))

    outputs, state = encoder.apply({"params": params}, X, LENGTHS)
    np.testing.assert_allclose(np.where(MASK[..., None], want, 0), outputs, atol=1e-5)
    for got, expected in [(state[0][0], (c_fwd, h_fwd)), (state[0][1], (c_bwd, h_bwd))]:
        np.testing.assert_allclose(got[0], expected[0], atol=1e-5)
        np.testing.assert_allclose(got[1], expected[1], atol=1e-5)


def test_attention_pooling_matches_keras_attention_and_masked_average():
    outputs = np.where(MASK[..., None], RNG.normal(size=(B, T, 2 * H)), 0).astype(np.float32)
    attention = keras.layers.Attention(use_scale=True)
    attention.build([(None, T, 2 * H), (None, T, 2 * H)])
    attention.set_weights([np.array(0.7, np.float32)])
    context = attention([outputs, outputs], mask=[MASK, MASK])
    want = keras.layers.GlobalAveragePooling1D()(context, mask=MASK)

    got = Pooling("attention").apply(
        {"params": {"attention": {"scale": jnp.array(0.7)}}}, outputs, LENGTHS, None
    )
    np.testing.assert_allclose(got, np.asarray(want), atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_reference_004_parameter_counts_equal_keras(cell):
    """Reference 004: Embedding(20000, 128) -> LSTM/GRU(50) -> max pool -> Dense 50 -> Dense 20."""
    from configs.newsgroups import get_config
    from rnnjax.models import build_model

    config = get_config(f"maxpool_{cell}")
    rnn = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU
    extra = {} if cell == "lstm" else {"reset_after": config.model.reset_after}
    keras_model = keras.Sequential(
        [
            keras.Input((config.data.max_len,)),
            keras.layers.Embedding(config.data.max_words, config.model.embed_dim),
            rnn(config.model.hidden_size, return_sequences=True, **extra),
            keras.layers.GlobalMaxPool1D(),
            keras.layers.Dense(config.model.dense_sizes[0], activation="relu"),
            keras.layers.Dense(20, activation="softmax"),
        ]
    )
    keras_counts = [layer.count_params() for layer in keras_model.layers if layer.weights]

    model = build_model(config.model, vocab_size=config.data.max_words, num_classes=20)
    tokens = jnp.zeros((1, config.data.max_len), jnp.int32)
    params = jax.eval_shape(model.init, jax.random.key(0), tokens, jnp.ones(1, jnp.int32))
    count = lambda tree: sum(np.prod(a.shape) for a in jax.tree.leaves(tree))
    p = params["params"]
    ours = [count(p[name]) for name in ("embed", "encoder", "dense_0", "logits")]
    assert ours == keras_counts == [2_560_000, 35_800 if cell == "lstm" else 26_850, 2_550, 1_020]
