"""Encoder throughput: rnnjax RecurrentEncoder (each projection mode) vs Flax nn.RNN.

    PYTHONPATH=. python benchmarks/bench_encoder.py [--batch=32 --time=100 --features=128
        --hidden=64 --cells=lstm,gru --repeats=20]

Prints one table row per (cell, directions, implementation): milliseconds per batch and
thousands of tokens per second, forward only and forward+backward (gradient of the summed
outputs with respect to the parameters), and the speed-up over Flax ``nn.RNN`` with
``nn.OptimizedLSTMCell`` / ``nn.GRUCell`` (given ``seq_lengths``; bidirectional through
``nn.Bidirectional``). Both sides run under ``jit`` on right-padded rows of random lengths.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
from absl import app, flags

from rnnjax.models import RecurrentEncoder

_BATCH = flags.DEFINE_integer("batch", 32, "Rows per batch.")
_TIME = flags.DEFINE_integer("time", 100, "Padded sequence length T.")
_FEATURES = flags.DEFINE_integer("features", 128, "Input features E (embedding width).")
_HIDDEN = flags.DEFINE_integer("hidden", 64, "Hidden units H per direction.")
_CELLS = flags.DEFINE_list("cells", ["lstm", "gru"], "Cells to time.")
_REPEATS = flags.DEFINE_integer("repeats", 20, "Timed calls per measurement (best of).")
_PROJECTIONS = flags.DEFINE_list("projections", ["step", "sequence", "chunk"], "rnnjax modes.")


class FlaxRNN(nn.Module):
    """Flax's own recurrent layer, the baseline: nn.RNN or nn.Bidirectional of two."""

    cell: str
    hidden_size: int
    bidirectional: bool

    @nn.compact
    def __call__(self, x: jax.Array, lengths: jax.Array) -> jax.Array:
        make = lambda: nn.RNN(
            nn.OptimizedLSTMCell(self.hidden_size)
            if self.cell == "lstm"
            else nn.GRUCell(self.hidden_size)
        )
        layer = nn.Bidirectional(make(), make()) if self.bidirectional else make()
        return layer(x, seq_lengths=lengths)


def best_ms(fn: Callable[[], jax.Array], repeats: int) -> float:
    """Best wall time of ``fn`` in ms over ``repeats`` calls (after one that compiles it)."""
    jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append((time.perf_counter() - start) * 1e3)
    return min(times)  # the least disturbed run: the machine is shared


def measure(
    model: nn.Module, x: jax.Array, lengths: jax.Array, repeats: int
) -> tuple[float, float]:
    """(forward ms, forward+backward ms) of ``model`` on one batch."""
    outputs = lambda v: model.apply(v, x, lengths)
    first = lambda y: y[0] if isinstance(y, tuple) else y
    variables = jax.jit(model.init)(jax.random.key(0), x, lengths)
    forward = jax.jit(lambda v: first(outputs(v)))
    backward = jax.jit(jax.grad(lambda v: jnp.sum(first(outputs(v)))))
    return (
        best_ms(lambda: forward(variables), repeats),
        best_ms(lambda: backward(variables), repeats),
    )


def main(argv: Sequence[str]) -> None:
    del argv
    b, t, e, h = _BATCH.value, _TIME.value, _FEATURES.value, _HIDDEN.value
    x = jax.random.normal(jax.random.key(1), (b, t, e))
    lengths = jax.random.randint(jax.random.key(2), (b,), t // 2, t + 1)
    tokens = b * t
    print(f"B={b} T={t} E={e} H={h}  device={jax.devices()[0].device_kind}  (ms per batch)")
    header = f"{'cell':<5}{'dirs':<5}{'impl':<17}{'fwd ms':>9}{'ktok/s':>9}{'fwd+bwd ms':>12}"
    print(header + f"{'ktok/s':>9}{'fwd x':>8}{'f+b x':>8}")
    for cell in _CELLS.value:
        for bidirectional in (False, True):
            impls: list[tuple[str, nn.Module]] = [("flax nn.RNN", FlaxRNN(cell, h, bidirectional))]
            for projection in _PROJECTIONS.value:
                encoder = RecurrentEncoder(
                    cell=cell, hidden_size=h, bidirectional=bidirectional, projection=projection
                )
                impls.append((f"rnnjax {projection}", encoder))
            base = None
            for name, model in impls:
                fwd, bwd = measure(model, x, lengths, _REPEATS.value)
                base = base or (fwd, bwd)
                print(
                    f"{cell:<5}{2 if bidirectional else 1:<5}{name:<17}{fwd:>9.2f}"
                    f"{tokens / fwd:>9.0f}{bwd:>12.2f}{tokens / bwd:>9.0f}"
                    f"{base[0] / fwd:>8.2f}{base[1] / bwd:>8.2f}"
                )


if __name__ == "__main__":
    app.run(main)
