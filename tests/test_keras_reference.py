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


# Reference architectures as Keras models with the same weights ported in. Keras masks the pad
# id (mask_zero=True) so that both sides read real tokens only; reference 004's max pooling is
# compared on unpadded rows, unmasked (Keras' GlobalMaxPool1D ignores masks; the exact-length max
# pooling is checked against numpy in tests/test_heads.py).
V, C = 30, 3
PADDED = [[5, 9, 2, 7, 3, 8, 4], [6, 1, 9, 11, 0, 0, 0], [17, 0, 0, 0, 0, 0, 0]]
FULL = [[5, 9, 2, 7, 3, 8, 4], [6, 1, 9, 11, 12, 2, 29], [17, 13, 1, 1, 22, 3, 5]]


def reference_models(reference: str, cell: str, reset_after: bool):
    """(our TextClassifier, the Keras layers of the same reference architecture)."""
    from rnnjax.models import TextClassifier

    rnn = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU
    extra = {} if cell == "lstm" else {"reset_after": reset_after}
    embed = keras.layers.Embedding(V, E, mask_zero=reference != "004")
    encoder = RecurrentEncoder(
        cell=cell, hidden_size=H, bidirectional=reference == "003", reset_after=reset_after
    )
    if reference == "001":  # Embedding -> LSTM -> Dropout 0.5 -> Dense 32 relu -> softmax
        ours = TextClassifier(V, C, encoder, E, "last", (32,), head_dropout=0.5, dense_dropout=0.0)
        layers = [embed, rnn(H), keras.layers.Dropout(0.5), keras.layers.Dense(32, "relu")]
    elif reference == "003":  # Embedding -> BiRNN -> scaled dot-product attention -> avg pool
        ours = TextClassifier(V, C, encoder, E, "attention", (), head_dropout=0.0)
        layers = [embed, keras.layers.Bidirectional(rnn(H, return_sequences=True, **extra))]
    else:  # 004: Embedding -> RNN sequences -> max pool -> Dropout -> Dense relu -> Dropout
        ours = TextClassifier(V, C, encoder, E, "max", (5,), head_dropout=0.5, dense_dropout=0.5)
        layers = [
            embed,
            rnn(H, return_sequences=True, **extra),
            keras.layers.GlobalMaxPool1D(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.Dropout(0.5),
        ]
    return ours, layers


@pytest.mark.parametrize(
    ("reference", "cell", "reset_after"),
    [
        ("001", "lstm", True),
        ("003", "lstm", True),
        ("003", "gru", True),
        ("004", "lstm", True),
        ("004", "gru", False),
    ],
    ids=["001_lstm", "003_bilstm", "003_bigru", "004_lstm", "004_gru_reset_before"],
)
def test_classifier_expresses_reference_architectures_like_keras(reference, cell, reset_after):
    ours, layers = reference_models(reference, cell, reset_after)
    tokens = np.array(FULL if reference == "004" else PADDED, np.int32)
    lengths = (tokens > 0).sum(1).astype(np.int32)
    shapes = jax.eval_shape(ours.init, jax.random.key(0), tokens, lengths)["params"]
    p = jax.tree.map(lambda s: (0.5 * RNG.normal(size=s.shape)).astype(np.float32), shapes)
    if "pooling" in p:
        p["pooling"]["attention"]["scale"] = np.float32(0.8)

    inputs = keras.Input((T,), dtype="int32")
    y = inputs
    for layer in layers:
        y = layer(y)
    if reference == "003":
        y = keras.layers.Attention(use_scale=True)([y, y])
        y = keras.layers.GlobalAveragePooling1D()(y)
    y = keras.layers.Dense(C, activation="softmax")(y)
    keras_model = keras.Model(inputs, y)
    weighted = [layer for layer in keras_model.layers if layer.weights]
    recurrent = keras_weights(cell, reset_after, p["encoder"]["layer_0"], 0)
    if reference == "003":
        recurrent += keras_weights(cell, reset_after, p["encoder"]["layer_0"], 1)
    ported = [[p["embed"]["embedding"]], recurrent]
    ported += [[p["dense_0"]["kernel"], p["dense_0"]["bias"]]] if "dense_0" in p else []
    ported += [[p["pooling"]["attention"]["scale"]]] if reference == "003" else []
    ported += [[p["logits"]["kernel"], p["logits"]["bias"]]]
    assert len(weighted) == len(ported)
    for layer, weights in zip(weighted, ported, strict=True):
        layer.set_weights(weights)  # also checks that every shape equals Keras' own
    want = np.asarray(keras_model(tokens, training=False))

    logits = ours.apply({"params": p}, tokens, lengths)
    assert np.ptp(want, axis=-1).min() > 0.05  # distinct classes: a wiring error would show
    np.testing.assert_allclose(jax.nn.softmax(logits), want, atol=1e-5)
