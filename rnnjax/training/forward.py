"""How a model consumes a batch: the one place that knows the two batch layouts.

Classification batches hold ``tokens``/``lengths``/``labels``/``weights``; language-model batches
hold ``inputs``/``targets``/``weights`` (a bidirectional language model's backward direction
predicts each previous input token, see :func:`lm_targets`). The loop, steps and reports call
:func:`batch_sums` and so work for both tasks without knowing which one they run.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from rnnjax.training.losses import loss_sums

Batch = dict[str, jax.Array]


def is_language_model_batch(batch: Batch) -> bool:
    """True for ``{"inputs", "targets", "weights"}`` batches."""
    return "targets" in batch


def model_inputs(batch: Batch) -> tuple[jax.Array, ...]:
    """Positional model arguments: ``(inputs,)`` for language models, ``(tokens, lengths)``."""
    if is_language_model_batch(batch):
        return (batch["inputs"],)
    return (batch["tokens"], batch["lengths"])


def batch_logits(
    model: nn.Module, params: Any, batch: Batch, *, deterministic: bool, rng: jax.Array | None
) -> jax.Array:
    """Logits float32[B, C] for classification (float32[B, K, C] for an ensemble of K in
    training, rnnjax.models.ensemble), float32[B, T, V] for language models (float32[B, T, 2, V]
    for bidirectional ones)."""
    rngs = None if deterministic or rng is None else {"dropout": rng}
    outputs = model.apply(
        {"params": params}, *model_inputs(batch), deterministic=deterministic, rngs=rngs
    )
    return outputs[0] if is_language_model_batch(batch) else outputs


def lm_targets(batch: Batch, *, bidirectional: bool) -> tuple[jax.Array, jax.Array]:
    """Targets int32[B, T] and weights float32[B, T] of a language-model batch; bidirectional:
    int32[B, T, 2] and float32[B, T, 2], whose ``[..., 1]`` is the previous input token (none at
    t = 0; at t > 0 it counts when input t is real, i.e. when target t - 1 does)."""
    targets, weights = batch["targets"], batch["weights"].astype(jnp.float32)
    if not bidirectional:
        return targets, weights
    shift = lambda a: jnp.concatenate([jnp.zeros_like(a[:, :1]), a[:, :-1]], axis=1)
    previous, previous_weights = shift(batch["inputs"]), shift(weights)
    return jnp.stack([targets, previous], -1), jnp.stack([weights, previous_weights], -1)


def batch_sums(
    model: nn.Module,
    params: Any,
    batch: Batch,
    *,
    deterministic: bool,
    rng: jax.Array | None = None,
    label_smoothing: float = 0.0,
) -> dict[str, jax.Array]:
    """Summed ``loss``, ``correct``, ``weight`` and ``tokens`` (real input tokens) of a batch."""
    logits = batch_logits(model, params, batch, deterministic=deterministic, rng=rng)
    if is_language_model_batch(batch):
        targets, weights = lm_targets(batch, bidirectional=logits.ndim == 4)
        sums = loss_sums(logits, targets, weights, label_smoothing)
        sums["tokens"] = jnp.sum(batch["weights"].astype(jnp.float32))
    else:
        labels, weights = batch["labels"], batch["weights"]
        if logits.ndim == 3:
            # an ensemble in training, float32[B, K, C]: each member on its own loss, so the
            # gradient of each member's params is the one it would get alone; the sums are
            # over members too (loss and accuracy come out as the members' means)
            members = logits.shape[1]
            labels = jnp.repeat(labels[:, None], members, axis=1)
            weights = jnp.repeat(weights[:, None], members, axis=1)
        sums = loss_sums(logits, labels, weights, label_smoothing)
        real = (batch["weights"] > 0).astype(jnp.float32)
        sums["tokens"] = jnp.sum(batch["lengths"].astype(jnp.float32) * real)
    return sums


def init_params(model: nn.Module, kind: str, seq_len: int, rng: jax.Array) -> Any:
    """Initial parameters of ``model`` for ``kind`` ("classifier" | "lm") batches of length T."""
    tokens = jnp.zeros((1, seq_len), jnp.int32)
    if kind == "lm":
        return model.init(rng, tokens)["params"]
    return model.init(rng, tokens, jnp.full((1,), seq_len, jnp.int32))["params"]
