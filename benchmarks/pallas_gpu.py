"""GPU timing of the Pallas recurrence kernels (issue 13) against the scan, Flax and cuDNN.

    PYTHONPATH=.:benchmarks python benchmarks/pallas_gpu.py [--shapes=16x128x64,64x1024x128
        --cells=rnn,lstm,gru --dtype=float32 --repeats=20]
    PYTHONPATH=.:benchmarks python benchmarks/pallas_gpu.py --smoke  # tiny shape, any machine

One row per (cell, B, T, H, directions, implementation): best-of-``repeats`` milliseconds of the
forward pass and of forward+backward (gradient of the summed outputs wrt the parameters) of one
layer on full-length rows (E = H), and the ratio to the scan path (``kernel="scan"``, custom
backward). Implementations: rnnjax scan (custom and autodiff backward), rnnjax pallas (on a
CPU in interpret mode), Flax ``nn.RNN`` (LSTM, GRU) and, on a GPU, cuDNN's LSTM through
``jax.experimental.rnn.lstm``. A layer the kernels cannot hold prints the fallback reason.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
from absl import app, flags
from bench_encoder import _CELLS, _REPEATS, FlaxRNN, measure
from jax.experimental import rnn

from rnnjax.kernels import resolve
from rnnjax.models import RecurrentEncoder

DEFAULT_SHAPES = ["16x128x64", "64x128x64", "16x1024x64", "256x128x64", "16x128x128"]
_SHAPES = flags.DEFINE_list("shapes", DEFAULT_SHAPES, "BxTxH shapes to time.")
_DTYPE = flags.DEFINE_enum("dtype", "float32", ["float32", "bfloat16"], "Compute dtype.")
_SMOKE = flags.DEFINE_bool("smoke", False, "One tiny shape, one repeat: checks the script runs.")


class CudnnLSTM(nn.Module):
    """``jax.experimental.rnn.lstm`` (cuDNN; GPU only) as a one-layer module."""

    hidden_size: int
    bidirectional: bool

    @nn.compact
    def __call__(self, x: jax.Array, lengths: jax.Array) -> jax.Array:
        e, d = x.shape[-1], 2 if self.bidirectional else 1
        init = lambda key: rnn.init_lstm_weight(key, e, self.hidden_size, 1, self.bidirectional)
        weights = self.param("weights", init)
        zeros = jnp.zeros((d, x.shape[0], self.hidden_size), x.dtype)
        args = (e, self.hidden_size, 1, 0.0, self.bidirectional)
        return rnn.lstm(x, zeros, zeros, weights, lengths, *args)[0]


def implementations(cell: str, hidden: int, bidirectional: bool, dtype: str) -> list:
    """(name, module) pairs timed for one (cell, H, directions)."""
    encoder = RecurrentEncoder(cell=cell, hidden_size=hidden, bidirectional=bidirectional)
    encoder = encoder.clone(dtype=jnp.dtype(dtype))
    impls = [
        ("scan custom", encoder.clone(kernel="scan", backward="custom")),
        ("scan autodiff", encoder.clone(kernel="scan", backward="autodiff")),
        ("pallas", encoder.clone(kernel="pallas")),
    ]
    if cell in ("lstm", "gru"):
        impls.append(("flax nn.RNN", FlaxRNN(cell, hidden, bidirectional)))
    if cell == "lstm" and jax.default_backend() == "gpu" and dtype == "float32":
        impls.append(("cudnn lstm", CudnnLSTM(hidden, bidirectional)))
    return impls


def main(argv: Sequence[str]) -> None:
    del argv
    shapes, repeats = (["2x4x4"], 1) if _SMOKE.value else (_SHAPES.value, _REPEATS.value)
    print(
        f"device={jax.devices()[0].device_kind} dtype={_DTYPE.value} (ms per batch, best of "
        f"{repeats}; x = scan custom / this)"
    )
    print(
        f"{'cell':<5}{'B':>5}{'T':>6}{'H':>5}{'D':>3}  {'impl':<15}{'fwd':>9}{'fwd+bwd':>9}"
        f"{'fwd x':>7}{'f+b x':>7}"
    )
    for shape in shapes:
        b, t, h = map(int, shape.split("x"))
        x = jax.random.normal(jax.random.key(1), (b, t, h), _DTYPE.value)
        lengths = jnp.full((b,), t, jnp.int32)
        for cell in _CELLS.value:
            for bidirectional in (False, True):
                row = f"{cell:<5}{b:>5}{t:>6}{h:>5}{2 if bidirectional else 1:>3}  "
                base = None
                for name, model in implementations(cell, h, bidirectional, _DTYPE.value):
                    if name == "pallas":
                        with warnings.catch_warnings(record=True) as caught:
                            warnings.simplefilter("always")
                            resolve("pallas", model.make_cell(), b, h, model.dtype)
                        if caught:
                            print(f"{row}{name:<15}{caught[0].message!s}")
                            continue
                    fwd, bwd = measure(model, x, lengths, repeats)
                    base = base or (fwd, bwd)
                    print(
                        f"{row}{name:<15}{fwd:>9.3f}{bwd:>9.3f}"
                        f"{base[0] / fwd:>7.2f}{base[1] / bwd:>7.2f}"
                    )


if __name__ == "__main__":
    app.run(main)
