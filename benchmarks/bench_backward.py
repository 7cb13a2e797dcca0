"""The encoder's gradient with backward="autodiff" and "custom": time, CPU time, memory, faults.

    python benchmarks/bench_backward.py [--batch=64 --time=128 --hidden=128 --cells=lstm,gru
        --projections=step,sequence,chunk --bidirectional --rounds=7]

One process, every variant compiled first, then interleaved rounds of one call each. Per variant:
median wall ms per call, and per call this process's user and system CPU ms and minor page
faults (getrusage; CPU time is far less sensitive than wall time to other load on the machine),
and XLA's temporary buffer size. The gradient is of the summed outputs with respect to the
parameters, on full-length rows of E = H features.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Sequence

import rnnjax  # noqa: F401  (before numpy and JAX start threads: rnnjax.allocator)

# isort: split
import jax
import jax.numpy as jnp
from absl import app, flags

from rnnjax.models import RecurrentEncoder

_BATCH = flags.DEFINE_integer("batch", 64, "Rows per batch.")
_TIME = flags.DEFINE_integer("time", 128, "Time steps T.")
_HIDDEN = flags.DEFINE_integer("hidden", 128, "Hidden units H per direction (and features E).")
_CELLS = flags.DEFINE_list("cells", ["lstm", "gru"], "Cells.")
_PROJECTIONS = flags.DEFINE_list("projections", ["step"], "Projection modes.")
_BIDIRECTIONAL = flags.DEFINE_bool("bidirectional", True, "Two directions.")
_ROUNDS = flags.DEFINE_integer("rounds", 7, "Interleaved rounds (one call per variant each).")


def main(argv: Sequence[str]) -> None:
    del argv
    b, t, h = _BATCH.value, _TIME.value, _HIDDEN.value
    x = jax.random.normal(jax.random.key(1), (b, t, h))
    lengths = jnp.full((b,), t, jnp.int32)
    variants = {}
    for cell in _CELLS.value:
        for projection in _PROJECTIONS.value:
            for backward in ("autodiff", "custom"):
                encoder = RecurrentEncoder(
                    cell=cell,
                    hidden_size=h,
                    bidirectional=_BIDIRECTIONAL.value,
                    projection=projection,
                    backward=backward,
                )
                variables = encoder.init(jax.random.key(0), x, lengths)
                loss = lambda v, enc=encoder: jnp.sum(enc.apply(v, x, lengths)[0])
                grad = jax.jit(jax.grad(loss)).lower(variables).compile()
                jax.block_until_ready(grad(variables))
                temp = grad.memory_analysis().temp_size_in_bytes / 2**20
                variants[(cell, projection, backward)] = (grad, variables, temp, [])
    for _ in range(_ROUNDS.value):
        for grad, variables, _, samples in variants.values():
            before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            jax.block_until_ready(grad(variables))
            wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
            samples.append(
                (
                    wall * 1e3,
                    (after.ru_utime - before.ru_utime) * 1e3,
                    (after.ru_stime - before.ru_stime) * 1e3,
                    after.ru_minflt - before.ru_minflt,
                )
            )
    print(f"B={b} T={t} E=H={h} bidirectional={_BIDIRECTIONAL.value} (medians per call)")
    print("| cell | projection | backward | wall ms | user ms | sys ms | minor faults | temp MiB |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for (cell, projection, backward), (_, _, temp, samples) in variants.items():
        wall, user, system, faults = (statistics.median(col) for col in zip(*samples, strict=True))
        print(
            f"| {cell} | {projection} | {backward} | {wall:.0f} | {user:.0f} | {system:.0f} "
            f"| {faults:.0f} | {temp:.1f} |"
        )


if __name__ == "__main__":
    app.run(main)
