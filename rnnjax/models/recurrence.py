"""The scanned recurrence of one layer, and its hand-written backward pass (``jax.custom_vjp``).

Autodiff of a scan puts every matmul of the backward pass inside the sequential loop. Only
``dz @ U^T`` has to be there: ``recurrence`` runs a backward scan that does just that and the
gate derivatives, then computes the weight gradients ``x^T dz`` and ``h^T dz``, the bias sums and
the input gradient ``dz @ W^T`` for all T*B rows at once, as a few large matmuls (as cuDNN and
Haste do). The forward pass saves what the backward needs: each step's gates (the cell's
``forward`` residuals) and the carries before each step without their hidden vector, which is
the previous step's output (``previous_hidden``): one float[T, B, H] per direction less.

All arrays are time-major and per direction (a tuple over directions, which advance together in
one scan, each with its own plain 2-D matmuls):

    params  dict per direction: kernel float[E, G*H], recurrent_kernel float[H, G*H],
            bias float[G*H] (GRU reset_after: recurrent_bias float[H])
    xs      float[T, B, E] per direction (the backward direction already reversed per row)
    ms      bool[T, B, 1]: real steps (a padded step keeps the carry and outputs zero)
    carry   the cell's carry per direction, leaves float[B, H]
    drop    None, or the recurrent-dropout mask float[B, H] per direction
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from rnnjax.models.cells import Cell

Array = Any
Step = Callable[[tuple, tuple, Array], tuple[tuple, Any]]


def project(params: tuple, xs: tuple) -> tuple:
    """Per direction [..., E] -> [..., G*H]: the input half of every gate, x @ kernel + bias."""
    return tuple(a @ p["kernel"] + p["bias"] for a, p in zip(xs, params, strict=True))


def scan_time(
    step: Step,
    params: tuple,
    carry: tuple,
    xs: tuple,
    ms: Array,
    projection: str,
    chunk_size: int,
    unroll: int,
) -> tuple[tuple, Any]:
    """Scans ``step(carry, x_proj, m) -> (carry, out)`` over time: (final carry, outs [T, ...]).

    ``projection`` says where ``x @ kernel`` is computed: "step" (inside each step), "sequence"
    (one matmul before the scan) or "chunk" (one matmul per block of ``chunk_size`` steps,
    scanned inside the block; ``unroll`` then applies to the inner scan).
    """
    time = ms.shape[0]
    if projection == "step":
        body = lambda c, xm: step(c, project(params, xm[0]), xm[1])
        return jax.lax.scan(body, carry, (xs, ms), unroll=unroll)
    if projection == "sequence":
        body = lambda c, xm: step(c, *xm)
        return jax.lax.scan(body, carry, (project(params, xs), ms), unroll=unroll)
    size = min(max(chunk_size, 1), time)
    blocks = lambda a: jnp.pad(a, ((0, -time % size),) + ((0, 0),) * (a.ndim - 1)).reshape(
        -1, size, *a.shape[1:]
    )
    inner = lambda c, xm: jax.lax.scan(
        lambda c2, a: step(c2, *a), c, (project(params, xm[0]), xm[1]), unroll=unroll
    )
    carry, outs = jax.lax.scan(inner, carry, (tuple(map(blocks, xs)), blocks(ms)))
    return carry, jax.tree.map(lambda y: y.reshape(-1, *y.shape[2:])[:time], outs)


def forward_step(
    cell: Cell, p: dict, c: Any, x_proj: Array, mask: Array, m: Array
) -> tuple[Any, tuple]:
    """One direction's step with exact lengths: (new carry, kept where not ``m``; residuals)."""
    new, res = cell.forward(p, c, x_proj, mask)
    return jax.tree.map(lambda n, o: jnp.where(m, n, o), new, c), res


def backward_step(
    cell: Cell, p: dict, mask: Array, d_c: Any, m: Array, d_out: Array, res: tuple, prev: Any
) -> tuple[Any, tuple]:
    """One direction's backward step: (d carry before it, what ``cell.backward`` emits)."""
    d_new = jax.tree.map(lambda d: jnp.where(m, d, 0), d_c)
    d_new = cell.with_hidden(d_new, cell.hidden(d_new) + jnp.where(m, d_out, 0))
    d_prev, out = cell.backward(p, res, prev, d_new, mask)
    return jax.tree.map(lambda a, b: jnp.where(m, a, b), d_prev, d_c), out


def _drop_hidden(cell: Cell, carry: Any) -> Any:
    """``carry`` without its hidden vector (None in its place): what the scan saves per step."""
    return cell.with_hidden(carry, None)


def previous_hidden(outputs: Array, h0: Array, t: Array | None = None) -> Array:
    """The hidden vector before step ``t`` (all steps float[T, B, H] when None): the output of
    step t - 1, ``h0`` before step 0. Wrong only at padded steps, whose gradients are zero."""
    if t is None:
        return jnp.concatenate([h0[None], outputs[:-1]])
    before = jax.lax.dynamic_index_in_dim(outputs, jnp.maximum(t - 1, 0), keepdims=False)
    return jnp.where(t == 0, h0, before)


def _forward(
    cell: Cell,
    projection: str,
    chunk_size: int,
    unroll: int,
    params: tuple,
    xs: tuple,
    ms: Array,
    carry: tuple,
    drop: tuple | None,
    save: bool,
) -> tuple[tuple, Any]:
    """(final carry, per-step outputs float[T, B, H] per direction (zero at padded steps) and,
    when ``save``, the carries before each step without their hidden vector (``_drop_hidden``)
    and the cells' residuals)."""
    masks = drop or (1,) * len(xs)

    def step(c: tuple, x_proj: tuple, m: Array) -> tuple[tuple, Any]:
        args = zip(params, c, x_proj, masks, strict=True)
        new, res = zip(*[forward_step(cell, *a, m) for a in args], strict=True)
        outputs = tuple(jnp.where(m, cell.hidden(n), 0) for n in new)
        return new, (outputs, tuple(_drop_hidden(cell, a) for a in c), res) if save else outputs

    return scan_time(step, params, carry, xs, ms, projection, chunk_size, unroll)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2, 3))
def recurrence(
    cell: Cell,
    projection: str,
    chunk_size: int,
    unroll: int,
    params: tuple,
    xs: tuple,
    ms: Array,
    carry: tuple,
    drop: tuple | None,
) -> tuple[tuple, tuple]:
    """One layer's scan: (final carry per direction, outputs float[T, B, H] per direction).

    Equal to autodiff of the ``scan_time`` step (to float32 rounding), forward and backward;
    the backward pass is ``_recurrence_bwd``. ``drop`` is treated as a constant (its
    cotangent is zero: a dropout mask has no gradient).
    """
    return _forward(cell, projection, chunk_size, unroll, params, xs, ms, carry, drop, save=False)


def _recurrence_fwd(
    cell: Cell,
    projection: str,
    chunk_size: int,
    unroll: int,
    params: tuple,
    xs: tuple,
    ms: Array,
    carry: tuple,
    drop: tuple | None,
) -> tuple[tuple, tuple]:
    final, (outputs, rests, res) = _forward(
        cell, projection, chunk_size, unroll, params, xs, ms, carry, drop, save=True
    )
    h0 = tuple(cell.hidden(c) for c in carry)
    return (final, outputs), (params, xs, ms, drop, rests, res, outputs, h0)


def _recurrence_bwd(
    cell: Cell, projection: str, chunk_size: int, unroll: int, saved: tuple, cotangents: tuple
) -> tuple:
    """The backward scan carries only d carry (``dz @ U^T`` and the gate derivatives per
    step); every other gradient is then one matmul or sum over all T*B rows."""
    del projection, chunk_size
    params, xs, ms, drop, rests, res, outputs, h0 = saved
    d_final, d_outputs = cotangents
    masks = drop or (1,) * len(xs)
    time = jnp.arange(ms.shape[0])

    def step(d_carry: tuple, inputs: tuple) -> tuple[tuple, tuple]:
        t, m, *per_direction = inputs
        args = zip(params, masks, d_carry, outputs, h0, *per_direction, strict=True)
        steps = [
            backward_step(
                cell, p, mask, d, m, d_out, r, cell.with_hidden(rest, previous_hidden(ys, h, t))
            )
            for p, mask, d, ys, h, d_out, r, rest in args
        ]
        return tuple(zip(*steps, strict=True))

    d_carry0, emitted = jax.lax.scan(
        step, d_final, (time, ms, d_outputs, res, rests), reverse=True, unroll=unroll
    )
    prevs = tuple(
        cell.with_hidden(rest, previous_hidden(ys, h))
        for rest, ys, h in zip(rests, outputs, h0, strict=True)
    )
    d_params, d_xs, d_drop = gradients(cell, params, xs, drop, emitted, res, prevs)
    return d_params, d_xs, None, d_carry0, d_drop


def gradients(
    cell: Cell,
    params: tuple,
    xs: tuple,
    drop: tuple | None,
    emitted: tuple,
    res: tuple,
    prevs: tuple,
) -> tuple[tuple, tuple, tuple | None]:
    """Weight, bias and input gradients (and the dropout masks' zeros) as large matmuls over all
    T*B rows, from what the backward recurrence emitted per step."""
    masks = drop or (1,) * len(xs)
    rows = lambda a: a.reshape(-1, a.shape[-1])  # [T, B, F] -> [T*B, F]
    d_params, d_xs = [], []
    for p, x, out, r, prev, mask in zip(params, xs, emitted, res, prevs, masks, strict=True):
        out, r = tuple(map(rows, out)), tuple(map(rows, r))
        d_proj, x2 = out[0], rows(x)
        h_masked = rows(cell.hidden(prev) * mask)
        d_params.append(
            {
                "kernel": x2.T @ d_proj,
                "bias": d_proj.sum(0),
                **cell.recurrent_grads(p, r, h_masked, out),
            }
        )
        d_xs.append((d_proj @ p["kernel"].T).reshape(x.shape))
    d_drop = None if drop is None else jax.tree.map(jnp.zeros_like, drop)
    return tuple(d_params), tuple(d_xs), d_drop


recurrence.defvjp(_recurrence_fwd, _recurrence_bwd)
