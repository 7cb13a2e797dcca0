"""Scan designs that were measured and not built: each against the design rnnjax uses.

    python benchmarks/scan_designs.py [--probes=directions,fused_dot,batched_directions,
        batch_major --shapes=64x128,256x64 --calls=10]

Every probe times the gradient (forward+backward) of a summed output at E = H = 128, both
designs compiled first, then ``--calls`` alternating calls; it prints the median ms of each and
the speed of the alternative relative to rnnjax's design:

- ``directions``: rnnjax's layer recurrence (``rnnjax.models.recurrence.recurrence``, the custom
  VJP, ``projection="step"``) for a bidirectional LSTM and GRU, both directions in one scan
  (rnnjax) against one scan per direction (independent loops XLA could run side by side).
- ``fused_dot``: a plain ``lax.scan`` LSTM under autodiff, one and two directions; per step
  ``x_t @ W + h @ U`` (rnnjax) against one ``[x_t, h] @ [W; U]``.
- ``batched_directions``: a plain bidirectional LSTM with the input projected per sequence;
  each direction's own 2-D matmul (rnnjax) against one batched ``[2, B, H] @ [2, H, 4H]``.
- ``batch_major``: a plain one-direction LSTM; time-major data, transposed around the scan
  (rnnjax), against scanning batch-major data in place (``x[:, t]`` read and ``out[:, t]``
  written with dynamic slices each step).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from absl import app, flags
from jax import lax

from rnnjax.models.cells import make_cell
from rnnjax.models.recurrence import recurrence

PROBES = ("directions", "fused_dot", "batched_directions", "batch_major")
_PROBES = flags.DEFINE_list("probes", list(PROBES), "Probes to run.")
_SHAPES = flags.DEFINE_list("shapes", ["64x128", "256x64"], "Batch x time shapes.")
_CALLS = flags.DEFINE_integer("calls", 10, "Alternating timed calls per design.")
E = H = 128


def _lstm(z: jax.Array, c: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The LSTM's gates from pre-activations z = [i, f, g, o]: (h, c)."""
    i, f, g, o = jnp.split(z, 4, -1)
    c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    return jnp.tanh(c) * jax.nn.sigmoid(o), c


def _weights(directions: int, rows: int, gates: int = 4, seed: int = 0) -> jax.Array:
    """float32[directions, rows, gates * H] small random weights."""
    key = jax.random.key(seed * 1000 + rows)
    return jax.random.normal(key, (directions, rows, gates * H)) * 0.05


def _directions(cell_name: str, b: int, t: int) -> dict[str, Callable]:
    cell = make_cell(cell_name)
    gates = 4 if cell_name == "lstm" else 3
    biases = {"bias": jnp.zeros(gates * H)} | (
        {"recurrent_bias": jnp.zeros(H)} if cell.has_recurrent_bias else {}
    )
    params = tuple(
        {"kernel": _weights(1, E, gates, seed=d)[0],
         "recurrent_kernel": _weights(1, H, gates, seed=d)[0], **biases}
        for d in range(2)
    )
    xs = tuple(jax.random.normal(jax.random.key(d), (t, b, E)) for d in range(2))
    ms = jnp.ones((t, b, 1), bool)
    carry = tuple(cell.zero_carry((b,), H, jnp.float32) for _ in range(2))
    layer = lambda p, x, c: recurrence(cell, "step", 0, 1, p, x, ms, c, None)[1]
    joint = lambda p: sum(jnp.sum(y) for y in layer(p, xs, carry))
    split = lambda p: sum(jnp.sum(layer((p[d],), (xs[d],), (carry[d],))[0]) for d in range(2))
    return {"joint scan": lambda: jax.grad(joint)(params),
            "one scan per direction": lambda: jax.grad(split)(params)}


def _fused_dot(directions: int, b: int, t: int) -> dict[str, Callable]:
    w, u, x = _weights(directions, E), _weights(directions, H), jax.random.normal(
        jax.random.key(0), (t, b, E)
    )

    def run(p: tuple, fused: bool) -> jax.Array:
        w, u = p
        wu = jnp.concatenate([w, u], 1)

        def step(carry: tuple, xt: jax.Array) -> tuple:
            new = []
            for d, (h, c) in enumerate(carry):
                z = jnp.concatenate([xt, h], -1) @ wu[d] if fused else xt @ w[d] + h @ u[d]
                new.append(_lstm(z, c))
            return tuple(new), jnp.concatenate([h for h, _ in new], -1)

        zeros = jnp.zeros((b, H))
        return jnp.sum(lax.scan(step, ((zeros, zeros),) * directions, x)[1])

    return {"two dots": lambda: jax.grad(run)((w, u), False),
            "one fused dot": lambda: jax.grad(run)((w, u), True)}


def _batched_directions(b: int, t: int) -> dict[str, Callable]:
    w, u = _weights(2, E), _weights(2, H)
    x = jax.random.normal(jax.random.key(0), (t, b, E))

    def run(p: tuple, batched: bool) -> jax.Array:
        w, u = p
        xp = jnp.einsum("dtbe,deg->tdbg", jnp.stack([x, x[::-1]]), w)  # [T, 2, B, 4H]
        if batched:
            step = lambda hc, xt: (lambda h, c: ((h, c), h))(
                *_lstm(xt + jnp.einsum("dbh,dhg->dbg", hc[0], u), hc[1])
            )
            carry = (jnp.zeros((2, b, H)),) * 2
        else:
            def step(hc: tuple, xt: jax.Array) -> tuple:
                new = tuple(_lstm(xt[d] + hc[d][0] @ u[d], hc[d][1]) for d in range(2))
                return new, tuple(h for h, _ in new)

            carry = ((jnp.zeros((b, H)),) * 2,) * 2
        return sum(jnp.sum(y * y) for y in jax.tree.leaves(lax.scan(step, carry, xp)[1]))

    return {"a dot per direction": lambda: jax.grad(run)((w, u), False),
            "one batched dot": lambda: jax.grad(run)((w, u), True)}


def _batch_major(b: int, t: int) -> dict[str, Callable]:
    w, u = _weights(1, E)[0], _weights(1, H)[0]
    x = jax.random.normal(jax.random.key(0), (b, t, E))
    zeros = jnp.zeros((b, H))

    def time_major(p: tuple) -> jax.Array:
        def step(hc: tuple, xt: jax.Array) -> tuple:
            h, c = _lstm(xt @ p[0] + hc[0] @ p[1], hc[1])
            return (h, c), h

        outputs = lax.scan(step, (zeros, zeros), jnp.swapaxes(x, 0, 1))[1]
        return jnp.sum(jnp.tanh(jnp.swapaxes(outputs, 0, 1)))

    def batch_major(p: tuple) -> jax.Array:
        def step(carry: tuple, i: jax.Array) -> tuple:
            h, c, out = carry
            xt = lax.dynamic_index_in_dim(x, i, axis=1, keepdims=False)
            h, c = _lstm(xt @ p[0] + h @ p[1], c)
            return (h, c, lax.dynamic_update_index_in_dim(out, h, i, axis=1)), None

        out = lax.scan(step, (zeros, zeros, jnp.zeros((b, t, H))), jnp.arange(t))[0][2]
        return jnp.sum(jnp.tanh(out))

    return {"time-major": lambda: jax.grad(time_major)((w, u)),
            "batch-major in place": lambda: jax.grad(batch_major)((w, u))}


def _designs(probe: str, b: int, t: int) -> dict[str, dict[str, Callable]]:
    """{case name: {design name (rnnjax's first): () -> gradient}} of one probe and shape."""
    if probe == "directions":
        return {f"{cell} 2d": _directions(cell, b, t) for cell in ("lstm", "gru")}
    if probe == "fused_dot":
        return {f"lstm {d}d": _fused_dot(d, b, t) for d in (1, 2)}
    if probe == "batched_directions":
        return {"lstm 2d": _batched_directions(b, t)}
    if probe == "batch_major":
        return {"lstm 1d": _batch_major(b, t)}
    raise app.UsageError(f"unknown probe {probe!r}; valid: {', '.join(PROBES)}")


def main(argv: Sequence[str]) -> None:
    del argv
    for probe in _PROBES.value:
        for shape in _SHAPES.value:
            b, t = map(int, shape.split("x"))
            for case, designs in _designs(probe, b, t).items():
                compiled = {name: jax.jit(fn) for name, fn in designs.items()}
                for fn in compiled.values():
                    jax.block_until_ready(fn())
                times = {name: [] for name in compiled}
                for _ in range(_CALLS.value):
                    for name, fn in compiled.items():
                        start = time.perf_counter()
                        jax.block_until_ready(fn())
                        times[name].append(time.perf_counter() - start)
                ms = {name: 1000 * float(np.median(v)) for name, v in times.items()}
                (ours, base), (other, alt) = ms.items()
                print(f"{probe} {case} B{b} T{t}: {ours} {base:.1f} ms, {other} {alt:.1f} ms "
                      f"({base / alt:.2f}x the speed)", flush=True)


if __name__ == "__main__":
    app.run(main)
