"""Per-device train and eval steps (pmap programming model) and their compiled mesh versions.

The step functions are written for one device and reduce over the ``data`` axis with
``lax.pmean``/``lax.psum``; :func:`compile_train_step` runs them with ``jax.shard_map`` inside
``jax.jit`` over the mesh, and ``jax.pmap(step, axis_name="data")`` runs the very same function.

``shard_map`` runs with ``check_vma=False``: the models' ``nn.scan`` carries start as
device-invariant zeros and become device-varying, which the varying-manual-axes type check
rejects. The steps stay correct with the check on as well (see ``train_step``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax import lax
from jax.sharding import Mesh
from jax.sharding import PartitionSpec as P

from rnnjax.training.forward import Batch, batch_sums
from rnnjax.training.parallel import AXIS
from rnnjax.training.state import TrainState

Sums = dict[str, jax.Array]


def _across_devices(reduce: Callable, tree: Any) -> Any:
    """``reduce(tree, AXIS)``, or ``tree`` itself on one device: XLA keeps the all-reduce of a
    one-device axis as a copy of every gradient (26 ms of a 342 ms newsgroups.py:best step)."""
    return tree if lax.axis_size(AXIS) == 1 else reduce(tree, AXIS)


def train_step(
    state: TrainState, batch: Batch, *, model: nn.Module, label_smoothing: float = 0.0
) -> tuple[TrainState, Sums]:
    """One optimizer update from this device's slice of the global batch.

    The loss is this device's weighted loss sum divided by the mean per-device weight, so the
    ``pmean`` of the gradients equals the gradient of the global weighted mean loss exactly.
    Gradients are taken with respect to a ``pcast`` (device-varying) copy of the replicated
    params: under ``shard_map`` with type checking the gradient of a replicated input is already
    summed over devices, and ``pmean`` on top would scale the update by the device count (with
    ``check_vma=False`` and under ``pmap`` the cast changes nothing).

    Args:
      state: replicated train state.
      batch: this device's rows of the batch (see rnnjax.training.forward).
      model: the Flax module.
      label_smoothing: see rnnjax.training.losses.cross_entropy.

    Returns:
      The updated state and the global (``psum``-ed) metric sums of the batch.
    """
    rng = jax.random.fold_in(jax.random.fold_in(state.rng, state.step), lax.axis_index(AXIS))
    mean_weight = _across_devices(lax.pmean, jnp.sum(batch["weights"].astype(jnp.float32)))

    def loss_fn(params: Any) -> tuple[jax.Array, Sums]:
        sums = batch_sums(
            model, params, batch, deterministic=False, rng=rng, label_smoothing=label_smoothing
        )
        return sums["loss"] / jnp.maximum(mean_weight, 1e-12), sums

    varying_params = lax.pcast(state.params, AXIS, to="varying")
    grads, sums = jax.grad(loss_fn, has_aux=True)(varying_params)
    grads = _across_devices(lax.pmean, grads)
    return state.apply_gradients(grads), _across_devices(lax.psum, sums)


def eval_step(params: Any, batch: Batch, *, model: nn.Module) -> Sums:
    """Global metric sums of a batch, dropout off; weight-0 (padding) rows count zero."""
    return _across_devices(lax.psum, batch_sums(model, params, batch, deterministic=True))


def compile_train_step(
    model: nn.Module, mesh: Mesh, label_smoothing: float = 0.0
) -> Callable[[TrainState, Batch], tuple[TrainState, Sums]]:
    """``train_step`` under ``shard_map`` in ``jit`` over ``mesh``; the input state is donated."""
    step = functools.partial(train_step, model=model, label_smoothing=label_smoothing)
    sharded = jax.shard_map(
        step, mesh=mesh, in_specs=(P(), P(AXIS)), out_specs=(P(), P()), check_vma=False
    )
    return jax.jit(sharded, donate_argnums=0)


def compile_eval_step(model: nn.Module, mesh: Mesh) -> Callable[[Any, Batch], Sums]:
    """``eval_step`` under ``shard_map`` in ``jit`` over ``mesh``."""
    step = functools.partial(eval_step, model=model)
    sharded = jax.shard_map(
        step, mesh=mesh, in_specs=(P(), P(AXIS)), out_specs=P(), check_vma=False
    )
    return jax.jit(sharded)
