"""The recurrent encoder: cells scanned over time with exact lengths, both directions in one scan.

Lengths are exact: a padded step (t >= lengths[b]) leaves the carry unchanged and outputs zero,
so the final carry is the carry at each row's length. The backward direction is the same scan
run on each row reversed *within its own length* (an index gather), stacked with the forward
direction as a batch of two: one sequential scan serves both directions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from rnnjax import kernels
from rnnjax.errors import ConfigError
from rnnjax.models.cells import SAVED, Cell, make_cell
from rnnjax.models.dropout import drop_connect
from rnnjax.models.recurrence import recurrence, scan_time

Array = Any
State = tuple  # final_state[layer][direction] -> the cell's carry (LSTM (c, h); GRU/RNN h)

PROJECTIONS = ("step", "sequence", "chunk")
BACKWARDS = ("auto", "autodiff", "custom")
# backward="auto": the gradient measured fastest per (platform, cell) (benchmarks/README.md,
# "Training throughput"): the custom VJP for the GRU and the LSTM on CPU; "autodiff" everywhere
# else (the plain RNN and GPUs: not measured).
AUTO_BACKWARD = {("cpu", "gru"): "custom", ("cpu", "lstm"): "custom"}
CHUNK_BYTES = 1 << 19  # target size of one chunk's projected inputs when chunk_size=0 (auto)


def time_mask(lengths: Array, time: int) -> Array:
    """bool[B, T]: True at real steps t < lengths[b]."""
    return jnp.arange(time)[None, :] < lengths[:, None]


def reverse_index(lengths: Array, time: int) -> Array:
    """int32[B, T]: index that reverses each row within its length, padding left in place.

    It is its own inverse, so one gather reverses the inputs and the same gather restores
    the backward outputs to natural time order.
    """
    t = jnp.arange(time)[None, :]
    return jnp.where(t < lengths[:, None], lengths[:, None] - 1 - t, t).astype(jnp.int32)


def reverse_rows(x: Array, rev: Array) -> Array:
    """x float[B, T, F] with each row reversed within its length by ``rev`` (``reverse_index``)."""
    return jnp.take_along_axis(x, rev[:, :, None], axis=1)


def _per_direction(init: Callable) -> Callable:
    """Applies a 2-D initializer independently to each slice of a leading direction axis."""

    def init_fn(key: Array, shape: tuple[int, ...], dtype: Any = jnp.float32) -> Array:
        keys = jax.random.split(key, shape[0])
        return jax.vmap(lambda k: init(k, shape[1:], dtype))(keys)

    return init_fn


def check_lengths(x: Array, lengths: Array) -> Array:
    """Validates ``x`` float[B, T, E] and ``lengths`` int[B]; returns lengths as int32.

    Concrete lengths outside [0, T] raise ValueError; traced ones (under jit) are clipped.
    """
    lengths = lengths if hasattr(lengths, "shape") else np.asarray(lengths)
    if x.ndim != 3:
        raise ValueError(
            f"x must be float[batch, time, features] (rank 3), got shape {tuple(x.shape)}"
        )
    batch, time = x.shape[0], x.shape[1]
    if tuple(lengths.shape) != (batch,) or not jnp.issubdtype(lengths.dtype, jnp.integer):
        raise ValueError(
            f"lengths must be int[batch] = int[{batch}] matching x, got "
            f"{lengths.dtype}{list(lengths.shape)}"
        )
    if not isinstance(lengths, jax.core.Tracer):
        values = np.asarray(lengths)
        if values.size and (values.min() < 0 or values.max() > time):
            raise ValueError(
                f"lengths must lie in [0, {time}] (the time axis of x), got min "
                f"{values.min()} and max {values.max()}"
            )
    return jnp.clip(lengths, 0, time).astype(jnp.int32)


class RecurrentLayer(nn.Module):
    """One recurrent layer whose directions advance together in a single scan.

    Params (D directions, G gates): ``kernel`` float[D, E, G*H] (Glorot), ``recurrent_kernel``
    float[D, H, G*H] (orthogonal), ``bias`` float[D, G*H], and for GRU reset_after
    ``recurrent_bias`` float[D, H]: the Keras parameter counts. Inside the scan every matmul is
    a plain 2-D one per direction (batched matmuls are slower on CPU, forward and backward).

    With ``backward="autodiff"`` the step is rematerialised: per time step the backward pass
    keeps only the values each cell names ``SAVED`` (its matmul outputs and gates) and recomputes
    the rest of the elementwise gate arithmetic, so the scan stores less than half of the
    per-step residuals it otherwise would. With ``backward="custom"`` the layer is
    ``rnnjax.models.recurrence.recurrence`` and its hand-written backward pass.
    """

    cell: Cell
    hidden_size: int
    num_directions: int
    unroll: int
    projection: str
    chunk_size: int
    recurrent_dropout: float
    dtype: Any
    backward: str
    kernel: str = "scan"  # "scan" or "pallas" (rnnjax.kernels.resolve'd)
    weight_drop: float = 0.0

    @nn.compact
    def __call__(
        self, x: Array, mask: Array, rev: Array, carry: tuple, deterministic: bool
    ) -> tuple[Array, tuple]:
        """Runs the layer.

        Args:
            x: float[B, T, E] inputs in natural time order.
            mask: bool[B, T] real steps.
            rev: int32[B, T] per-row reversal index (see ``reverse_index``).
            carry: initial carry per direction, leaves float[B, H].
            deterministic: no recurrent dropout or weight drop when True.

        Returns:
            outputs float[B, T, D*H] (forward features first, zero at padded steps) and the
            final carry per direction.
        """
        cell, d, h = self.cell, self.num_directions, self.hidden_size
        width = cell.num_gates * h
        bias_init = lambda key, shape: jnp.broadcast_to(jnp.asarray(cell.bias_init(h)), shape)
        params = {
            "kernel": self.param(
                "kernel", _per_direction(nn.initializers.glorot_uniform()), (d, x.shape[-1], width)
            ),
            "recurrent_kernel": self.param(
                "recurrent_kernel", _per_direction(nn.initializers.orthogonal()), (d, h, width)
            ),
            "bias": self.param("bias", bias_init, (d, width)),
        }
        if cell.has_recurrent_bias:
            params["recurrent_bias"] = self.param("recurrent_bias", nn.initializers.zeros, (d, h))
        if self.weight_drop > 0 and not deterministic:
            # DropConnect on U before any recurrence path sees it: every path (step, sequence,
            # chunk; autodiff, custom, pallas) runs the dropped kernel, and the gradient flows
            # back to U through the mask. Kept in "intermediates" when that is mutable.
            params["recurrent_kernel"] = drop_connect(
                self.make_rng("dropout"), params["recurrent_kernel"], self.weight_drop
            )
            self.sow("intermediates", "dropped_recurrent_kernel", params["recurrent_kernel"])
        per_direction = tuple(
            {k: v[i].astype(self.dtype) for k, v in params.items()} for i in range(d)
        )

        batch = mask.shape[0]
        x = x.astype(self.dtype)
        inputs = [x, reverse_rows(x, rev)] if d == 2 else [x]
        xs = tuple(jnp.swapaxes(a, 0, 1) for a in inputs)  # [T, B, E] each: time-major
        ms = jnp.swapaxes(mask, 0, 1)[..., None]  # [T, B, 1]

        drop = None
        if self.recurrent_dropout > 0 and not deterministic:
            keep = 1.0 - self.recurrent_dropout
            mask_rng = self.make_rng("dropout")  # one mask per sequence (Gal & Ghahramani)
            masks = jax.random.bernoulli(mask_rng, keep, (d, batch, h)) / keep
            drop = tuple(masks.astype(self.dtype))
        size = self.chunk_size or CHUNK_BYTES // (d * batch * width * x.dtype.itemsize)
        scan_args = (self.projection, size, self.unroll)
        if self.kernel == "pallas":
            carry, ys = kernels.pallas_recurrence(
                cell, kernels.interpret_mode(), per_direction, xs, ms, carry, drop
            )
            return self._merge(ys, rev), carry
        if self.backward == "custom":
            carry, ys = recurrence(cell, *scan_args, per_direction, xs, ms, carry, drop)
            return self._merge(ys, rev), carry

        def step(c: tuple, x_proj: tuple, m: Array) -> tuple[tuple, tuple]:
            args = zip(per_direction, c, x_proj, drop or (1,) * d, strict=True)
            new = [cell.step(*a) for a in args]
            c = jax.tree.map(lambda n, o: jnp.where(m, n, o), tuple(new), c)
            return c, tuple(jnp.where(m, cell.hidden(n), 0).astype(self.dtype) for n in new)

        # Fewer stored residuals: less memory traffic, and the gradient's temporary buffer stays
        # below glibc's 32 MiB mmap threshold longer (above it, every call maps fresh pages and
        # page-faults through all of them: ~0.6 ms per MiB on CPU). The scan already keeps XLA
        # from merging the recomputation with the forward pass, hence prevent_cse=False.
        step = jax.checkpoint(
            step, policy=jax.checkpoint_policies.save_only_these_names(SAVED), prevent_cse=False
        )
        carry, ys = scan_time(step, per_direction, carry, xs, ms, *scan_args)
        return self._merge(ys, rev), carry

    @staticmethod
    def _merge(ys: tuple, rev: Array) -> Array:
        """float[B, T, D*H] from the time-major outputs per direction, in natural time order."""
        ys = [jnp.swapaxes(y, 0, 1) for y in ys]  # [B, T, H]
        if len(ys) == 2:
            ys[1] = reverse_rows(ys[1], rev)
        return jnp.concatenate(ys, axis=-1)


class RecurrentEncoder(nn.Module):
    """Stacked (optionally bidirectional) LSTM/GRU/RNN over padded sequences with exact lengths.

    Attributes:
        cell: "lstm" | "gru" | "rnn".
        hidden_size: H, units per direction.
        num_layers: stacked layers; layer l > 0 reads the outputs of layer l - 1.
        bidirectional: add a backward direction (starting at each row's last real token).
        dropout: dropout rate on the outputs between stacked layers.
        unroll: time steps unrolled per scan iteration (passed to the scan).
        dtype: compute dtype (float32 or bfloat16); params are always float32.
        forget_bias: LSTM forget-gate bias init.
        reset_after: GRU form (see ``GRUCell``).
        recurrent_dropout: rate of the per-sequence dropout mask on h before the recurrent matmul.
        weight_drop: DropConnect rate on the recurrent (hidden-to-hidden) kernel, one mask per
            batch (AWD-LSTM's weight-dropped LSTM; training only).
        projection: where ``x @ kernel`` is computed: "step" (inside the scanned step),
            "sequence" (one matmul for the whole sequence, before the scan) or "chunk" (one matmul
            per block of ``chunk_size`` steps, sized to stay in cache). All give equal results.
        chunk_size: steps per chunk for projection="chunk"; 0 picks one from ``CHUNK_BYTES``.
        backward: how the gradient is computed: "autodiff" (of the rematerialised scanned
            step), "custom" (``recurrence``'s hand-written backward scan, with the weight and
            input gradients as large matmuls after it) or "auto" (the one measured fastest for
            this cell on the default backend, ``AUTO_BACKWARD``). All give equal results.
        kernel: "scan" (``lax.scan``), "pallas" (rnnjax.kernels: all steps in one kernel,
            with its own custom backward; interpret mode on CPUs) or "auto" (pallas on a GPU
            where the layer fits, else scan). A layer "pallas" cannot hold warns and scans.
    """

    cell: str = "lstm"
    hidden_size: int = 128
    num_layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.0
    unroll: int = 1
    dtype: Any = jnp.float32
    forget_bias: float = 1.0
    reset_after: bool = True
    recurrent_dropout: float = 0.0
    projection: str = "step"
    chunk_size: int = 0
    backward: str = "auto"
    kernel: str = "auto"
    weight_drop: float = 0.0

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def make_cell(self) -> Cell:
        """The cell of every layer (ConfigError for an unknown ``cell`` name)."""
        return make_cell(self.cell, forget_bias=self.forget_bias, reset_after=self.reset_after)

    def initial_state(self, batch_size: int) -> State:
        """Zero state: ``state[layer][direction]`` is a carry with leaves float[batch_size, H]."""
        carry = self.make_cell().zero_carry((batch_size,), self.hidden_size, jnp.dtype(self.dtype))
        return tuple((carry,) * self.num_directions for _ in range(self.num_layers))

    def backward_path(self) -> str:
        """ "autodiff" or "custom": ``backward``, with "auto" resolved for the default backend."""
        if self.backward != "auto":
            return self.backward
        return AUTO_BACKWARD.get((jax.default_backend(), self.cell), "autodiff")

    def check_config(self) -> None:
        """Raises ConfigError naming the first invalid attribute."""
        self.make_cell()
        if self.projection not in PROJECTIONS:
            raise ConfigError(f"projection={self.projection!r}; expected one of {PROJECTIONS}")
        if self.backward not in BACKWARDS:
            raise ConfigError(f"backward={self.backward!r}; expected one of {BACKWARDS}")
        if self.kernel not in kernels.KERNELS:
            raise ConfigError(f"kernel={self.kernel!r}; expected one of {kernels.KERNELS}")
        for name in ("hidden_size", "num_layers", "unroll"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("dropout", "recurrent_dropout", "weight_drop"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must lie in [0, 1), got {getattr(self, name)}")

    @nn.compact
    def __call__(
        self,
        x: Array,
        lengths: Array,
        *,
        deterministic: bool = True,
        initial_state: State | None = None,
    ) -> tuple[Array, State]:
        """Encodes a right-padded batch.

        Args:
            x: float[B, T, E].
            lengths: int[B] real steps per row, 0 <= lengths <= T (checked when concrete,
                clipped to [0, T] when traced under jit).
            deterministic: disables dropout; otherwise needs the "dropout" RNG stream.
            initial_state: as returned by ``initial_state`` / a previous call (default zeros).

        Returns:
            outputs float[B, T, H * D] (forward features first; exactly zero at t >= lengths[b])
            and final_state[layer][direction], the carry after each row's last real step.
        """
        self.check_config()
        cell = self.make_cell()
        lengths = check_lengths(x, lengths)
        batch, time = x.shape[:2]
        mask, rev = time_mask(lengths, time), reverse_index(lengths, time)
        if initial_state is None:
            initial_state = self.initial_state(batch)
        kernel = kernels.resolve(self.kernel, cell, batch, self.hidden_size, self.dtype)
        final_state = []
        for index in range(self.num_layers):
            carry = jax.tree.map(lambda a: a.astype(self.dtype), tuple(initial_state[index]))
            layer = RecurrentLayer(
                cell=cell,
                hidden_size=self.hidden_size,
                num_directions=self.num_directions,
                unroll=self.unroll,
                projection=self.projection,
                chunk_size=self.chunk_size,
                recurrent_dropout=self.recurrent_dropout,
                dtype=jnp.dtype(self.dtype),
                backward=self.backward_path(),
                kernel=kernel,
                weight_drop=self.weight_drop,
                name=f"layer_{index}",
            )
            x, carry = layer(x, mask, rev, carry, deterministic)
            final_state.append(carry)
            if index < self.num_layers - 1 and self.dropout > 0:
                x = nn.Dropout(self.dropout, name=f"dropout_{index}")(x, deterministic)
        return x, tuple(final_state)


def last_hidden(encoder: RecurrentEncoder, final_state: State) -> Array:
    """float[B, H * D]: the top layer's final hidden state, forward then backward."""
    cell = encoder.make_cell()
    return jnp.concatenate([cell.hidden(carry) for carry in final_state[-1]], axis=-1)
