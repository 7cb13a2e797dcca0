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
the gate arithmetic in the backward pass (see ``SAVED``). For the hand-written backward pass
(rnnjax.models.recurrence) each cell also gives ``forward`` (the step plus its residuals),
``backward`` (one step's sequential gradient) and ``recurrent_grads`` (the recurrent weights'
gradients from all time steps at once).
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


def _scales(z: Array, kinds: tuple[str, ...]) -> Array:
    """Per-unit s of ``s * tanh(s * z) + (1 - s)``: 0.5 on sigmoid gates, 1 on tanh gates."""
    size = z.shape[-1] // len(kinds)
    s = np.repeat(np.array([0.5 if k == "sigmoid" else 1.0 for k in kinds], np.float32), size)
    return s.astype(z.dtype)


def _activate(z: Array, kinds: tuple[str, ...]) -> Array:
    """Activates the ``len(kinds)`` gates of ``z`` (sigmoid/tanh) with ONE tanh call, unsplit.

    sigmoid(v) = 0.5 * tanh(0.5 * v) + 0.5, so ``s * tanh(s * z) + (1 - s)`` with s = 0.5 on
    sigmoid gates and s = 1 on tanh gates activates every gate in one fused transcendental pass
    (the gate arithmetic is about half the cost of a CPU step).
    """
    s = _scales(z, kinds)
    return s * jnp.tanh(s * z) + (1 - s)


def _activation_grad(y: Array, kinds: tuple[str, ...]) -> Array:
    """d y / d z of ``_activate`` from its output y: s^2 - (y - 1 + s)^2 (y(1-y), 1-y^2)."""
    s = _scales(y, kinds)
    return s * s - (y - 1 + s) ** 2


def _split(y: Array, parts: int) -> list[Array]:
    return jnp.split(y, parts, axis=-1)


LSTM_GATES = ("sigmoid", "sigmoid", "tanh", "sigmoid")
ZR_GATES = ("sigmoid", "sigmoid")


class _Cell:
    """What every cell shares: ``step`` is ``forward`` without the residuals."""

    def step(self, p: Mapping[str, Array], carry: Carry, x_proj: Array, mask: Array = 1) -> Carry:
        """One step on projected inputs: the new carry (the equations are in ``forward``)."""
        return self.forward(p, carry, x_proj, mask)[0]

    def recurrent_grads(
        self, p: Mapping[str, Array], res: tuple, h_masked: Array, emitted: tuple
    ) -> dict:
        """Recurrent params' gradients from all N = T*B rows at once: h_masked float[N, H] is
        the matmul's input (h times the dropout mask), ``emitted`` what ``backward`` emitted."""
        return {"recurrent_kernel": h_masked.T @ emitted[0]}


@dataclasses.dataclass(frozen=True)
class LSTMCell(_Cell):
    """Long short-term memory (Hochreiter & Schmidhuber 1997) with a forget gate; gates i, f, g, o.

    Attributes:
        forget_bias: initial value of the forget-gate bias (1.0 keeps memory early in training).
    """

    forget_bias: float = 1.0
    num_gates = 4

    has_recurrent_bias = False

    def forward(
        self, p: Mapping[str, Array], carry: Carry, x_proj: Array, mask: Array = 1
    ) -> tuple[Carry, tuple]:
        """i, f, o = sigmoid(.), g = tanh(.); c' = f*c + i*g; h' = o*tanh(c').

        Returns the new carry and the residuals of ``backward``: the activated gates i, f, g, o,
        each float[B, H] (``backward`` recomputes tanh(c') from them and c, so the scan stores
        one float[T, B, H] per direction less). Four arrays, not one float[B, 4H]: the backward
        scan reads them back at a step index, and XLA:CPU runs elementwise work on slices of
        such a read ~5x slower than on whole arrays (benchmarks/README.md).
        """
        c, h = carry
        z = checkpoint_name(x_proj + (h * mask) @ p["recurrent_kernel"], SAVED)
        gates = tuple(_split(_activate(z, LSTM_GATES), 4))
        c = self._cell_state(gates, c)
        return (c, gates[3] * jnp.tanh(c)), gates

    @staticmethod
    def _cell_state(gates: tuple, c: Array) -> Array:
        """c' = f*c + i*g from the activated gates (i, f, g, o) and the cell state c."""
        i, f, g, _ = gates
        return f * c + i * g

    def backward(
        self, p: Mapping[str, Array], res: tuple, prev: Carry, d_new: Carry, mask: Array = 1
    ) -> tuple[Carry, tuple]:
        """Step gradients: (d carry before the step, (d x_proj float[B, 4H],)) from d_new."""
        i, f, g, o = res
        tanh_c = jnp.tanh(self._cell_state(res, prev[0]))
        dc, dh = d_new
        dc = dc + dh * o * (1 - tanh_c**2)
        sigmoid_grad = lambda y: y * (1 - y)
        dz = jnp.concatenate(
            [
                dc * g * sigmoid_grad(i),
                dc * prev[0] * sigmoid_grad(f),
                dc * i * (1 - g**2),
                dh * tanh_c * sigmoid_grad(o),
            ],
            -1,
        )
        return (dc * f, (dz @ p["recurrent_kernel"].T) * mask), (dz,)

    def bias_init(self, hidden_size: int) -> np.ndarray:
        """Initial ``bias`` float[4H]: zeros, ``forget_bias`` on the forget gate."""
        return np.repeat(np.array([0.0, self.forget_bias, 0.0, 0.0], np.float32), hidden_size)

    def zero_carry(self, batch_shape: tuple[int, ...], hidden_size: int, dtype: Any) -> Carry:
        zeros = jnp.zeros((*batch_shape, hidden_size), dtype)
        return zeros, zeros

    @staticmethod
    def hidden(carry: Carry) -> Array:
        return carry[1]

    @staticmethod
    def with_hidden(carry: Carry, h: Array) -> Carry:
        """``carry`` with its hidden vector replaced by ``h``."""
        return carry[0], h


class _HiddenCarry(_Cell):
    """Carry of cells whose whole state is the hidden vector h."""

    def zero_carry(self, batch_shape: tuple[int, ...], hidden_size: int, dtype: Any) -> Carry:
        return jnp.zeros((*batch_shape, hidden_size), dtype)

    @staticmethod
    def hidden(carry: Carry) -> Array:
        return carry

    @staticmethod
    def with_hidden(carry: Carry, h: Array) -> Carry:
        return h


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

    def forward(
        self, p: Mapping[str, Array], carry: Carry, x_proj: Array, mask: Array = 1
    ) -> tuple[Carry, tuple]:
        """z, r = sigmoid(.); n = tanh(.) as above; h' = (1 - z) * n + z * h.

        Returns h' and the residuals of ``backward``: z, r float[B, 2H], n float[B, H] and
        (reset_after) the recurrent candidate term h U_n + b_hn float[B, H].
        """
        h = carry
        u = p["recurrent_kernel"]
        hidden_size = h.shape[-1]
        xzr, xn = x_proj[..., : 2 * hidden_size], x_proj[..., 2 * hidden_size :]
        if self.reset_after:
            hu = checkpoint_name((h * mask) @ u, SAVED)
            zr = _activate(xzr + hu[..., : 2 * hidden_size], ZR_GATES)
            # Kept too: recomputed, the gates fuse with the scanned x_proj slice into one XLA:CPU
            # loop that runs ~10x slower than the separate fusions (GRU projection="sequence").
            z, r = checkpoint_name(_split(zr, 2), SAVED)
            a = hu[..., 2 * hidden_size :] + p["recurrent_bias"]
            n = jnp.tanh(xn + r * a)
            res = (zr, n, a)
        else:
            hzr = checkpoint_name((h * mask) @ u[:, : 2 * hidden_size], SAVED)
            zr = _activate(xzr + hzr, ZR_GATES)
            z, r = checkpoint_name(_split(zr, 2), SAVED)
            n = jnp.tanh(xn + checkpoint_name((r * h * mask) @ u[:, 2 * hidden_size :], SAVED))
            res = (zr, n)
        return (1 - z) * n + z * h, res

    def backward(
        self, p: Mapping[str, Array], res: tuple, prev: Carry, d_new: Carry, mask: Array = 1
    ) -> tuple[Carry, tuple]:
        """Step gradients: (d h before the step, (d x_proj float[B, 3H], [d of h U_n + b_hn])).

        The recurrent matmul's own gradient, for reset_after, is d x_proj with its candidate
        part replaced by the emitted d(h U_n + b_hn).
        """
        zr, n = res[0], res[1]
        u = p["recurrent_kernel"]
        hidden_size = n.shape[-1]
        z, r = _split(zr, 2)
        dn = d_new * (1 - z) * (1 - n**2)
        dh = d_new * z
        if self.reset_after:
            dzr = jnp.concatenate([d_new * (prev - n), dn * res[2]], -1)
            dzr = dzr * _activation_grad(zr, ZR_GATES)
            da = dn * r
            dh = dh + (jnp.concatenate([dzr, da], -1) @ u.T) * mask
            return dh, (jnp.concatenate([dzr, dn], -1), da)
        drh = dn @ u[:, 2 * hidden_size :].T  # d of (r * h * mask)
        dzr = jnp.concatenate([d_new * (prev - n), drh * prev * mask], -1)
        dzr = dzr * _activation_grad(zr, ZR_GATES)
        dh = dh + (drh * r + dzr @ u[:, : 2 * hidden_size].T) * mask
        return dh, (jnp.concatenate([dzr, dn], -1),)

    def recurrent_grads(
        self, p: Mapping[str, Array], res: tuple, h_masked: Array, emitted: tuple
    ) -> dict:
        hidden_size = h_masked.shape[-1]
        dxp = emitted[0]
        if self.reset_after:
            du = jnp.concatenate([dxp[:, : 2 * hidden_size], emitted[1]], -1)
            return {"recurrent_kernel": h_masked.T @ du, "recurrent_bias": emitted[1].sum(0)}
        r = res[0][:, hidden_size:]
        return {
            "recurrent_kernel": jnp.concatenate(
                [
                    h_masked.T @ dxp[:, : 2 * hidden_size],
                    (r * h_masked).T @ dxp[:, 2 * hidden_size :],
                ],
                -1,
            )
        }

    def bias_init(self, hidden_size: int) -> np.ndarray:
        return np.zeros(3 * hidden_size, np.float32)


@dataclasses.dataclass(frozen=True)
class SimpleRNNCell(_HiddenCarry):
    """Elman RNN: h' = tanh(x W + b + h U)."""

    num_gates = 1

    has_recurrent_bias = False

    def forward(
        self, p: Mapping[str, Array], carry: Carry, x_proj: Array, mask: Array = 1
    ) -> tuple[Carry, tuple]:
        """h' = tanh(x_proj + h U); the residual is h' itself."""
        h = jnp.tanh(checkpoint_name(x_proj + (carry * mask) @ p["recurrent_kernel"], SAVED))
        return h, (h,)

    def backward(
        self, p: Mapping[str, Array], res: tuple, prev: Carry, d_new: Carry, mask: Array = 1
    ) -> tuple[Carry, tuple]:
        dz = d_new * (1 - res[0] ** 2)
        return (dz @ p["recurrent_kernel"].T) * mask, (dz,)

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
