"""Recurrent cells: the gate equations of LSTM, GRU (both forms) and a plain tanh RNN.

A cell here is not a Flax module: it is the arithmetic of one time step on already projected
inputs, so the encoder can choose where the input projection ``x @ W + b`` happens (inside the
scanned step, or hoisted out of it per sequence or per chunk of steps). Per direction:

    x_proj           float[B, G * H]   x @ kernel + bias, gates in the order of each docstring
    recurrent_kernel float[H, G * H]   (GRU reset_after: also recurrent_bias float[H])
    carry            LSTM: (c, h), GRU/RNN: h, each float[B, H]
    mask             1, or the recurrent-dropout mask float[B, H] applied to h before ``U``

Each step names (``checkpoint_name``, an identity) the few values its backward pass reads back:
the encoder's rematerialised step keeps only these per time step and recomputes the rest of
the gate arithmetic in the backward pass (see ``SAVED``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax.ad_checkpoint import checkpoint_name

from rnnjax.errors import ConfigError

Array = Any
Carry = Any

CELL_NAMES = ("lstm", "gru", "rnn")
SAVED = "rnnjax_saved"  # checkpoint_name of the per-step values kept for the backward pass


def _activate(z: Array, kinds: tuple[str, ...]) -> list[Array]:
    """Splits ``z`` into ``len(kinds)`` gates and applies sigmoid/tanh with ONE tanh call.

    sigmoid(v) = 0.5 * tanh(0.5 * v) + 0.5, so ``s * tanh(s * z) + (1 - s)`` with s = 0.5 on
    sigmoid gates and s = 1 on tanh gates activates every gate in one fused transcendental pass
    (the gate arithmetic is about half the cost of a CPU step).
    """
    size = z.shape[-1] // len(kinds)
    s = np.repeat(np.array([0.5 if k == "sigmoid" else 1.0 for k in kinds], np.float32), size)
    s = s.astype(z.dtype)
    y = s * jnp.tanh(s * z) + (1 - s)
    return jnp.split(y, len(kinds), axis=-1)


@dataclasses.dataclass(frozen=True)
class LSTMCell:
    """Long short-term memory (Hochreiter & Schmidhuber 1997) with a forget gate; gates i, f, g, o.

    Attributes:
        forget_bias: initial value of the forget-gate bias (1.0 keeps memory early in training).
    """

    forget_bias: float = 1.0
    num_gates = 4

    has_recurrent_bias = False

    def step(self, p: Mapping[str, Array], carry: Carry, x_proj: Array, mask: Array = 1) -> Carry:
        """One step: i, f, o = sigmoid(.), g = tanh(.); c' = f*c + i*g; h' = o*tanh(c')."""
        c, h = carry
        z = checkpoint_name(x_proj + (h * mask) @ p["recurrent_kernel"], SAVED)
        i, f, g, o = _activate(z, ("sigmoid", "sigmoid", "tanh", "sigmoid"))
        c = f * c + i * g
        h = o * jnp.tanh(c)
        return c, h

    def bias_init(self, hidden_size: int) -> np.ndarray:
        """Initial ``bias`` float[4H]: zeros, ``forget_bias`` on the forget gate."""
        return np.repeat(np.array([0.0, self.forget_bias, 0.0, 0.0], np.float32), hidden_size)

    def zero_carry(self, batch_shape: tuple[int, ...], hidden_size: int, dtype: Any) -> Carry:
        zeros = jnp.zeros((*batch_shape, hidden_size), dtype)
        return zeros, zeros

    @staticmethod
    def hidden(carry: Carry) -> Array:
        return carry[1]


class _HiddenCarry:
    """Carry of cells whose whole state is the hidden vector h."""

    def zero_carry(self, batch_shape: tuple[int, ...], hidden_size: int, dtype: Any) -> Carry:
        return jnp.zeros((*batch_shape, hidden_size), dtype)

    @staticmethod
    def hidden(carry: Carry) -> Array:
        return carry


@dataclasses.dataclass(frozen=True)
class GRUCell(_HiddenCarry):
    """Gated recurrent unit (Cho et al. 2014); gates z (update), r (reset), n (candidate).

    Attributes:
        reset_after: True applies the reset gate after the recurrent matmul,
            ``n = tanh(xW_n + r * (h U_n + b_hn))`` (cuDNN, Flax, Keras 2+; has a separate
            ``recurrent_bias`` float[H]); False applies it before, ``n = tanh(xW_n + (r*h) U_n)``
            (the original form; one bias vector, as Keras ``GRU(reset_after=False)``).
    """

    reset_after: bool = True
    num_gates = 3

    @property
    def has_recurrent_bias(self) -> bool:
        return self.reset_after

    def step(self, p: Mapping[str, Array], carry: Carry, x_proj: Array, mask: Array = 1) -> Carry:
        """One step: z, r = sigmoid(.); n = tanh(.) as above; h' = (1 - z) * n + z * h."""
        h = carry
        u = p["recurrent_kernel"]
        hidden_size = h.shape[-1]
        xzr, xn = x_proj[..., : 2 * hidden_size], x_proj[..., 2 * hidden_size :]
        if self.reset_after:
            hu = checkpoint_name((h * mask) @ u, SAVED)
            z, r = _activate(xzr + hu[..., : 2 * hidden_size], ("sigmoid", "sigmoid"))
            # Kept too: recomputed, the gates fuse with the scanned x_proj slice into one XLA:CPU
            # loop that runs ~10x slower than the separate fusions (GRU projection="sequence").
            z, r = checkpoint_name((z, r), SAVED)
            n = jnp.tanh(xn + r * (hu[..., 2 * hidden_size :] + p["recurrent_bias"]))
        else:
            hzr = checkpoint_name((h * mask) @ u[:, : 2 * hidden_size], SAVED)
            z, r = checkpoint_name(_activate(xzr + hzr, ("sigmoid", "sigmoid")), SAVED)
            n = jnp.tanh(xn + checkpoint_name((r * h * mask) @ u[:, 2 * hidden_size :], SAVED))
        return (1 - z) * n + z * h

    def bias_init(self, hidden_size: int) -> np.ndarray:
        return np.zeros(3 * hidden_size, np.float32)


@dataclasses.dataclass(frozen=True)
class SimpleRNNCell(_HiddenCarry):
    """Elman RNN: h' = tanh(x W + b + h U)."""

    num_gates = 1

    has_recurrent_bias = False

    def step(self, p: Mapping[str, Array], carry: Carry, x_proj: Array, mask: Array = 1) -> Carry:
        return jnp.tanh(checkpoint_name(x_proj + (carry * mask) @ p["recurrent_kernel"], SAVED))

    def bias_init(self, hidden_size: int) -> np.ndarray:
        return np.zeros(hidden_size, np.float32)


Cell = LSTMCell | GRUCell | SimpleRNNCell


def make_cell(name: str, *, forget_bias: float = 1.0, reset_after: bool = True) -> Cell:
    """The cell called ``name`` ("lstm" | "gru" | "rnn"); ConfigError for any other name."""
    if name == "lstm":
        return LSTMCell(forget_bias=forget_bias)
    if name == "gru":
        return GRUCell(reset_after=reset_after)
    if name == "rnn":
        return SimpleRNNCell()
    raise ConfigError(f"cell={name!r} is not a recurrent cell; expected one of {CELL_NAMES}")
