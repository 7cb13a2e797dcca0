"""One layer's recurrence with both sequential loops as Pallas kernels (``kernel="pallas"``).

The same ``jax.custom_vjp`` layer as rnnjax.models.recurrence, with the same arrays per
direction, except that the input projection is always hoisted (one matmul per sequence) and
each scan is one ``time_loop`` kernel running all T steps of one direction: the forward kernel
returns the final carry, the outputs, the carries before each step and the cell's residuals;
the backward kernel only the d-carry recurrence and the gate derivatives; the weight and input
gradients are then the large matmuls of ``gradients``.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp

from rnnjax.kernels.loop import time_loop
from rnnjax.models.cells import Cell
from rnnjax.models.recurrence import backward_step, forward_step, gradients, project

Array = Any
RECURRENT_PARAMS = ("recurrent_kernel", "recurrent_bias")  # all a step reads of the params


def _invariants(params: tuple, drop: tuple | None) -> list:
    """Per direction what every step reads: (the recurrent params, the dropout mask or None)."""
    masks = drop or (None,) * len(params)
    kept = [{k: p[k] for k in RECURRENT_PARAMS if k in p} for p in params]
    return list(zip(kept, masks, strict=True))


def _forward(
    cell: Cell, interpret: bool, params: tuple, xs: tuple, ms: Array, carry: tuple, drop, save: bool
) -> tuple[tuple, tuple]:
    """(final carry, per direction the per-step outputs (zero at padded steps) and, when
    ``save``, the carries before each step and the cells' residuals)."""

    def step(inv: tuple, c: Any, x_m: tuple) -> tuple[Any, Any]:
        p, mask = inv
        new, res = forward_step(cell, p, c, x_m[0], 1 if mask is None else mask, x_m[1])
        out = jnp.where(x_m[1], cell.hidden(new), 0)
        return new, (out, c, res) if save else out

    runs = [
        time_loop(step, inv, c, (x, ms), interpret=interpret)
        for inv, c, x in zip(_invariants(params, drop), carry, project(params, xs), strict=True)
    ]
    return tuple(r[0] for r in runs), tuple(r[1] for r in runs)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1))
def pallas_recurrence(
    cell: Cell, interpret: bool, params: tuple, xs: tuple, ms: Array, carry: tuple, drop
) -> tuple[tuple, tuple]:
    """rnnjax.models.recurrence.recurrence on Pallas kernels (``interpret``: Pallas interpret
    mode, for CPUs): (final carry per direction, outputs float[T, B, H] per direction)."""
    return _forward(cell, interpret, params, xs, ms, carry, drop, save=False)


def _fwd(
    cell: Cell, interpret: bool, params: tuple, xs: tuple, ms: Array, carry: tuple, drop
) -> tuple[tuple, tuple]:
    final, saved = _forward(cell, interpret, params, xs, ms, carry, drop, save=True)
    outputs, prevs, res = (tuple(s[i] for s in saved) for i in range(3))
    return (final, outputs), (params, xs, ms, drop, prevs, res)


def _bwd(cell: Cell, interpret: bool, saved: tuple, cotangents: tuple) -> tuple:
    params, xs, ms, drop, prevs, res = saved
    d_final, d_outputs = cotangents

    def step(inv: tuple, d_c: Any, inputs: tuple) -> tuple[Any, tuple]:
        p, mask = inv
        m, d_out, res_t, prev_t = inputs
        return backward_step(cell, p, 1 if mask is None else mask, d_c, m, d_out, res_t, prev_t)

    per_direction = zip(_invariants(params, drop), d_final, d_outputs, res, prevs, strict=True)
    runs = [
        time_loop(step, inv, d, (ms, d_out, r, prev), reverse=True, interpret=interpret)
        for inv, d, d_out, r, prev in per_direction
    ]
    d_carry0, emitted = tuple(r[0] for r in runs), tuple(r[1] for r in runs)
    d_params, d_xs, d_drop = gradients(cell, params, xs, drop, emitted, res, prevs)
    return d_params, d_xs, None, d_carry0, d_drop


pallas_recurrence.defvjp(_fwd, _bwd)
