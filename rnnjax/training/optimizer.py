"""Optax optimizer and learning-rate schedule built from the ``train`` config section.

ULMFiT fine-tuning (Howard & Ruder 2018, section 3) is three switches of the same section:
``discriminative_decay`` (each parameter group below the head gets the lr of the group above
divided by it), ``schedule="slanted_triangular"`` and ``gradual_unfreezing`` (the head trains
alone in epoch 0, each later epoch unfreezes the next group down). The groups are, bottom to
top, ``embed``, each recurrent layer ``encoder/layer_<i>`` and ``head`` (every other parameter).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import ml_collections
import optax

from rnnjax.errors import ConfigError

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "warmup_cosine", "slanted_triangular")
EMBED_GROUP, HEAD_GROUP = "embed", "head"


def make_schedule(train_cfg: ml_collections.ConfigDict, total_steps: int) -> optax.Schedule:
    """Learning rate per step: constant; linear warmup then cosine decay to 0 at total_steps;
    or slanted triangular: a linear rise from lr / stlr_ratio to lr over the first
    ``stlr_cut_frac`` of total_steps, then a linear fall back to lr / stlr_ratio at the end."""
    lr = train_cfg.learning_rate
    if train_cfg.schedule == "constant":
        return optax.constant_schedule(lr)
    if train_cfg.schedule == "warmup_cosine":
        warmup = int(train_cfg.warmup_steps)
        return optax.warmup_cosine_decay_schedule(
            init_value=0.0,
            peak_value=lr,
            warmup_steps=warmup,
            decay_steps=max(int(total_steps), warmup + 1),
            end_value=0.0,
        )
    if train_cfg.schedule == "slanted_triangular":
        cut_frac, ratio = float(train_cfg.stlr_cut_frac), float(train_cfg.stlr_ratio)
        if not 0.0 < cut_frac < 1.0 or ratio < 1.0:
            raise ConfigError(
                f"train.stlr_cut_frac={cut_frac} must lie in (0, 1) and train.stlr_ratio="
                f"{ratio} be >= 1 (ULMFiT: 0.1 and 32)"
            )
        total = max(int(total_steps), 2)
        cut = min(max(int(total * cut_frac), 1), total - 1)
        return optax.join_schedules(
            [
                optax.linear_schedule(lr / ratio, lr, cut),
                optax.linear_schedule(lr, lr / ratio, total - cut),
            ],
            [cut],
        )
    raise ConfigError(
        f"unknown train.schedule {train_cfg.schedule!r}; valid: {', '.join(SCHEDULES)}"
    )


def param_groups(params: Any) -> list[str]:
    """The parameter groups of a classifier's or language model's params, bottom to top."""
    layers = sorted(params.get("encoder", {}), key=lambda name: int(name.rsplit("_", 1)[-1]))
    return [EMBED_GROUP, *(f"encoder/{name}" for name in layers), HEAD_GROUP]


def group_labels(params: Any) -> Any:
    """A pytree like ``params`` holding each leaf's group name (see :func:`param_groups`)."""

    def label(path: tuple, _: Any) -> str:
        top = path[0].key
        if top == EMBED_GROUP:
            return EMBED_GROUP
        if top == "encoder":
            return f"encoder/{path[1].key}"
        return HEAD_GROUP

    return jax.tree_util.tree_map_with_path(label, params)


class FrozenUntilState(NamedTuple):
    """Updates seen so far, and the inner transformation's state (untouched while frozen)."""

    count: jax.Array
    inner: optax.OptState


def frozen_until(start: int, inner: optax.GradientTransformation) -> optax.GradientTransformation:
    """Zero updates for the first ``start`` steps, then ``inner``, whose state and step count
    begin at the unfreezing (as an optimizer that never saw the frozen parameters would)."""

    def init(params: Any) -> FrozenUntilState:
        return FrozenUntilState(jnp.zeros((), jnp.int32), inner.init(params))

    def update(updates: Any, state: FrozenUntilState, params: Any = None):
        def live(_):
            return inner.update(updates, state.inner, params)

        def frozen(_):
            return jax.tree.map(jnp.zeros_like, updates), state.inner

        new_updates, new_inner = jax.lax.cond(state.count >= start, live, frozen, None)
        return new_updates, FrozenUntilState(state.count + 1, new_inner)

    return optax.GradientTransformation(init, update)


def _base_optimizer(
    train_cfg: ml_collections.ConfigDict, schedule: optax.Schedule
) -> optax.GradientTransformation:
    """``train.optimizer`` with ``schedule`` (no clipping)."""
    name, decay = train_cfg.optimizer, float(train_cfg.weight_decay)
    if name == "adam":
        if decay:
            raise ConfigError(
                "train.weight_decay needs train.optimizer='adamw' (or 'sgd'); adam has none"
            )
        return optax.adam(schedule)
    if name == "adamw":
        return optax.adamw(schedule, weight_decay=decay)
    if name == "sgd":
        return optax.chain(
            optax.add_decayed_weights(decay),
            optax.sgd(schedule, momentum=train_cfg.momentum or None),
        )
    raise ConfigError(f"unknown train.optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")


def _group_schedule(schedule: optax.Schedule, scale: float, start: int) -> optax.Schedule:
    """``scale * schedule`` of the global step, for an optimizer whose own count begins at
    global step ``start`` (its unfreezing)."""
    return lambda count: scale * schedule(count + start)


def _fine_tuning(
    train_cfg: ml_collections.ConfigDict,
    schedule: optax.Schedule,
    steps_per_epoch: int,
    example_params: Callable[[], Any],
) -> tuple[optax.GradientTransformation | None, optax.GradientTransformation]:
    """The per-group optimizer (discriminative lrs, gradual unfreezing) and, when unfreezing
    gradually, the mask that zeroes the frozen groups' gradients (else None)."""
    decay = float(train_cfg.discriminative_decay)
    if decay <= 0:
        raise ConfigError(
            f"train.discriminative_decay={decay} must be > 0 (ULMFiT: 2.6; 1.0 = off)"
        )
    groups = param_groups(example_params())
    masks, optimizers = {}, {}
    for index, group in enumerate(groups):
        below_top = len(groups) - 1 - index
        start = below_top * steps_per_epoch if train_cfg.gradual_unfreezing else 0
        group_schedule = _group_schedule(schedule, decay**-below_top, start)
        optimizers[group] = frozen_until(start, _base_optimizer(train_cfg, group_schedule))
        masks[group] = frozen_until(start, optax.identity())
    mask = optax.multi_transform(masks, group_labels) if train_cfg.gradual_unfreezing else None
    return mask, optax.multi_transform(optimizers, group_labels)


def per_member(tx: optax.GradientTransformation) -> optax.GradientTransformation:
    """``tx`` run separately for each ensemble member (params stacked on axis 0): its own
    optimizer state, step count and gradient clipping, as if it trained alone."""
    return optax.GradientTransformation(jax.vmap(tx.init), jax.vmap(tx.update))


def make_optimizer(
    train_cfg: ml_collections.ConfigDict,
    total_steps: int,
    steps_per_epoch: int = 1,
    example_params: Callable[[], Any] | None = None,
    members: int = 1,
) -> optax.GradientTransformation:
    """Gradient clipping by global norm (if ``grad_clip_norm`` > 0), then the optimizer.

    ``adamw`` applies decoupled weight decay; ``sgd`` (with ``momentum``) adds L2 weight decay to
    the gradient; plain ``adam`` takes no weight decay (use ``adamw``). With ULMFiT fine-tuning
    on (``discriminative_decay`` != 1 or ``gradual_unfreezing``) each parameter group has its
    own optimizer (``optax.multi_transform``), and frozen groups' gradients are zeroed before
    clipping, so the global norm is the trained groups' only.

    Args:
      train_cfg: the ``train`` section.
      total_steps: optimizer steps of the whole run (the schedules' length).
      steps_per_epoch: steps per epoch (gradual unfreezing unfreezes a group per epoch).
      example_params: () -> params (shapes suffice), to name the groups; needed for ULMFiT.
      members: an ensemble's K (params stacked on axis 0): the whole chain runs per member.
    """
    schedule = make_schedule(train_cfg, total_steps)
    fine_tuning = train_cfg.discriminative_decay != 1.0 or train_cfg.gradual_unfreezing
    transforms = []
    if fine_tuning:
        if example_params is None:
            raise ValueError("ULMFiT fine-tuning needs example_params to name the groups")
        mask, optimizer = _fine_tuning(train_cfg, schedule, steps_per_epoch, example_params)
        transforms += [mask] if mask is not None else []
    else:
        optimizer = _base_optimizer(train_cfg, schedule)
    if train_cfg.grad_clip_norm > 0:
        transforms.append(optax.clip_by_global_norm(train_cfg.grad_clip_norm))
    tx = optax.chain(*transforms, optimizer) if transforms else optimizer
    return per_member(tx) if members > 1 else tx
