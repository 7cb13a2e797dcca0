"""A Pallas kernel that runs a whole time loop itself: every step of a recurrence in one launch.

``time_loop`` traces one step ``step(invariants, carry, x_t) -> (carry, y_t)`` to a jaxpr and
evaluates it inside the kernel in an in-kernel ``fori_loop`` over T: the loop-invariant inputs
(the recurrent weights, the dropout mask) are loaded once, the carry stays in registers/on chip,
and only the per-step slices x_t / y_t move to and from memory. The step's array constants
(e.g. the gate scales) become kernel inputs, since a Pallas kernel may not capture constants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.ad_checkpoint import checkpoint_name
from jax.experimental import pallas as pl
from jax.experimental.pallas import triton as pltriton
from jax.extend import core

Array = Any
NUM_WARPS = 4  # one block of 128 threads runs the whole recurrence
NAME_P = jax.make_jaxpr(lambda a: checkpoint_name(a, "n"))(1.0).eqns[0].primitive


def _evaluate(jaxpr: core.Jaxpr, consts: list, *args: Array) -> list:
    """``jax.core.eval_jaxpr`` that treats ``checkpoint_name`` as the identity it is (the GPU
    lowerings of Pallas have no rule for it)."""
    env: dict = {}
    read = lambda v: v.val if isinstance(v, core.Literal) else env[v]
    for var, value in zip([*jaxpr.constvars, *jaxpr.invars], [*consts, *args], strict=True):
        env[var] = value
    for eqn in jaxpr.eqns:
        ins = [read(v) for v in eqn.invars]
        if eqn.primitive is NAME_P:
            outs = ins
        else:
            outs = eqn.primitive.bind(*ins, **eqn.primitive.get_bind_params(eqn.params))
            outs = outs if eqn.primitive.multiple_results else [outs]
        for var, value in zip(eqn.outvars, outs, strict=True):
            env[var] = value
    return [read(v) for v in jaxpr.outvars]


def _cut(items: tuple, sizes: list[int]) -> list[tuple]:
    """``items`` cut into consecutive groups of ``sizes``."""
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return [items[a : a + n] for a, n in zip(starts, sizes, strict=True)]


def time_loop(
    step: Callable,
    invariants: Any,
    carry: Any,
    xs: Any,
    *,
    reverse: bool = False,
    interpret: bool = False,
) -> tuple[Any, Any]:
    """Like ``jax.lax.scan(partial(step, invariants), carry, xs, reverse=reverse)``, as one
    Pallas kernel: (final carry, stacked per-step outputs [T, ...])."""
    time = jax.tree.leaves(xs)[0].shape[0]
    x_t = jax.tree.map(lambda a: a[0], xs)
    closed, (carry_shape, y_shape) = jax.make_jaxpr(step, return_shape=True)(invariants, carry, x_t)
    consts = [jnp.asarray(c) for c in closed.consts]
    groups = [consts, jax.tree.leaves(invariants), jax.tree.leaves(carry), jax.tree.leaves(xs)]
    sizes = [len(g) for g in groups]
    carry_leaves, carry_tree = jax.tree.flatten(carry_shape)
    y_leaves, y_tree = jax.tree.flatten(y_shape)
    out_shape = [jax.ShapeDtypeStruct(s.shape, s.dtype) for s in carry_leaves] + [
        jax.ShapeDtypeStruct((time, *s.shape), s.dtype) for s in y_leaves
    ]

    def kernel(*refs: Any) -> None:
        groups_of_refs = _cut(refs, [*sizes, len(carry_leaves), len(y_leaves)])
        const_refs, inv_refs, carry_refs, x_refs, final_refs, y_refs = groups_of_refs
        fixed = [r[...] for r in const_refs], [r[...] for r in inv_refs]

        def body(i: Array, c: list) -> list:
            t = time - 1 - i if reverse else i
            outs = _evaluate(closed.jaxpr, fixed[0], *fixed[1], *c, *[r[t] for r in x_refs])
            for ref, y in zip(y_refs, outs[len(c) :], strict=True):
                ref[t] = y
            return outs[: len(c)]

        final = jax.lax.fori_loop(0, time, body, [r[...] for r in carry_refs])
        for ref, value in zip(final_refs, final, strict=True):
            ref[...] = value

    params = pltriton.CompilerParams(num_warps=NUM_WARPS)  # GPUs: the Triton backend
    flat = pl.pallas_call(kernel, out_shape=out_shape, interpret=interpret, compiler_params=params)(
        *[leaf for group in groups for leaf in group]
    )
    n = len(carry_leaves)
    return carry_tree.unflatten(flat[:n]), y_tree.unflatten(flat[n:])
