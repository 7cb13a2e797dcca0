"""Independent numpy references for the recurrent tests: textbook cell equations, one row at a time.

Shared by tests/test_cells.py and tests/test_encoder.py; it imports nothing from rnnjax.
"""

from __future__ import annotations

import numpy as np


def sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


def numpy_step(name: str, reset_after: bool, p: dict, carry, x: np.ndarray):
    """One step of one direction: p holds kernel [E, G*H], recurrent_kernel [H, G*H], bias [G*H]."""
    w, u, b = (np.asarray(p[k], np.float64) for k in ("kernel", "recurrent_kernel", "bias"))
    gates = w.shape[1] // u.shape[0]
    wi, ui, bi = np.split(w, gates, 1), np.split(u, gates, 1), np.split(b, gates)
    if name == "lstm":
        c, h = carry
        i = sigmoid(x @ wi[0] + h @ ui[0] + bi[0])
        f = sigmoid(x @ wi[1] + h @ ui[1] + bi[1])
        g = np.tanh(x @ wi[2] + h @ ui[2] + bi[2])
        o = sigmoid(x @ wi[3] + h @ ui[3] + bi[3])
        c = f * c + i * g
        return c, o * np.tanh(c)
    if name == "gru":
        h = carry
        z = sigmoid(x @ wi[0] + h @ ui[0] + bi[0])
        r = sigmoid(x @ wi[1] + h @ ui[1] + bi[1])
        if reset_after:
            n = np.tanh(x @ wi[2] + bi[2] + r * (h @ ui[2] + np.asarray(p["recurrent_bias"])))
        else:
            n = np.tanh(x @ wi[2] + bi[2] + (r * h) @ ui[2])
        return z * h + (1 - z) * n
    return np.tanh(x @ w + b + carry @ u)


def hidden(name: str, carry):
    return carry[1] if name == "lstm" else carry


def numpy_encoder(name: str, reset_after: bool, params: dict, x, lengths, num_layers: int):
    """Runs every row alone over its real steps: forward t = 0..L-1, backward t = L-1..0.

    Args:
        params: flax params of a RecurrentEncoder ({"layer_l": {...[D, ...]}}).
        x: float[B, T, E]; lengths: int[B].

    Returns:
        outputs float64[B, T, D*H] (zero at padding) and state[b][layer][direction] carries.
    """
    batch, time = x.shape[:2]
    directions, hidden_size = params["layer_0"]["recurrent_kernel"].shape[:2]
    zeros = np.zeros(hidden_size)
    outputs = np.zeros((batch, time, directions * hidden_size))
    states = []
    for b in range(batch):
        length = int(lengths[b])
        seq = np.asarray(x[b, :length], np.float64)
        row_state = []
        for layer in range(num_layers):
            p = params[f"layer_{layer}"]
            ys, layer_state = [], []
            for d in range(directions):
                pd = {k: np.asarray(v[d]) for k, v in p.items()}
                carry = (zeros, zeros) if name == "lstm" else zeros
                order = range(length) if d == 0 else reversed(range(length))
                y = np.zeros((length, hidden_size))
                for t in order:
                    carry = numpy_step(name, reset_after, pd, carry, seq[t])
                    y[t] = hidden(name, carry)
                ys.append(y)
                layer_state.append(carry)
            seq = np.concatenate(ys, axis=-1)
            row_state.append(layer_state)
        outputs[b, :length] = seq
        states.append(row_state)
    return outputs, states
