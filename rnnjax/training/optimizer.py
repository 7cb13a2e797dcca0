"""Optax optimizer and learning-rate schedule built from the ``train`` config section."""

from __future__ import annotations

import ml_collections
import optax

from rnnjax.errors import ConfigError

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "warmup_cosine")


def make_schedule(train_cfg: ml_collections.ConfigDict, total_steps: int) -> optax.Schedule:
    """Learning rate per step: constant, or linear warmup then cosine decay to 0 at total_steps."""
    if train_cfg.schedule == "constant":
        return optax.constant_schedule(train_cfg.learning_rate)
    if train_cfg.schedule == "warmup_cosine":
        warmup = int(train_cfg.warmup_steps)
        return optax.warmup_cosine_decay_schedule(
            init_value=0.0,
            peak_value=train_cfg.learning_rate,
            warmup_steps=warmup,
            decay_steps=max(int(total_steps), warmup + 1),
            end_value=0.0,
        )
    raise ConfigError(
        f"unknown train.schedule {train_cfg.schedule!r}; valid: {', '.join(SCHEDULES)}"
    )


def make_optimizer(
    train_cfg: ml_collections.ConfigDict, total_steps: int
) -> optax.GradientTransformation:
    """Gradient clipping by global norm (if ``grad_clip_norm`` > 0), then the optimizer.

    ``adamw`` applies decoupled weight decay; ``sgd`` (with ``momentum``) adds L2 weight decay to
    the gradient; plain ``adam`` takes no weight decay (use ``adamw``).
    """
    schedule = make_schedule(train_cfg, total_steps)
    name, decay = train_cfg.optimizer, float(train_cfg.weight_decay)
    if name == "adam":
        if decay:
            raise ConfigError(
                "train.weight_decay needs train.optimizer='adamw' (or 'sgd'); adam has none"
            )
        optimizer = optax.adam(schedule)
    elif name == "adamw":
        optimizer = optax.adamw(schedule, weight_decay=decay)
    elif name == "sgd":
        optimizer = optax.chain(
            optax.add_decayed_weights(decay),
            optax.sgd(schedule, momentum=train_cfg.momentum or None),
        )
    else:
        raise ConfigError(f"unknown train.optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")
    if train_cfg.grad_clip_norm > 0:
        return optax.chain(optax.clip_by_global_norm(train_cfg.grad_clip_norm), optimizer)
    return optimizer
