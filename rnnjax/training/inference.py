"""Inference with a restored model: class probabilities of texts, the attention a classifier
gives their tokens, language-model loss."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from rnnjax.errors import ConfigError
from rnnjax.models.encoder import time_mask
from rnnjax.training.evaluation import evaluate_batches
from rnnjax.training.parallel import make_mesh
from rnnjax.training.restore import Restored
from rnnjax.training.steps import compile_eval_step


def classify_ids(restored: Restored, ids: Sequence[np.ndarray]) -> np.ndarray:
    """Class probabilities float32[N, C] of encoded texts, in input order.

    Texts are truncated/padded to ``data.max_len`` as in training and run in fixed-shape
    batches of ``train.eval_batch_size`` (one compilation); an empty text is valid.
    """
    probabilities = jax.jit(
        lambda params, t, n: jax.nn.softmax(restored.model.apply({"params": params}, t, n))
    )
    out = [
        np.asarray(probabilities(restored.params, tokens, lengths))[:count]
        for tokens, lengths, count in _padded_batches(restored, ids)
    ]
    num_classes = len(restored.labels.names)
    return np.concatenate(out) if out else np.zeros((0, num_classes), np.float32)


def attention_weights(
    restored: Restored, ids: Sequence[np.ndarray]
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """What a ``model.pooling="attention"`` classifier attends to in each encoded text.

    The weights are the model's own: ``DotProductAttention`` sows its softmax weights
    float32[B, T(query), T(key)] and this averages them over each row's real queries (and, for
    an ensemble, over its members).

    Returns:
      probabilities: float32[N, C], as :func:`classify_ids`.
      seen: per text, int32[n_i], the ids the model read (truncated to ``data.max_len``).
      weights: per text, float32[n_i], the mean over its real queries of the attention each
        of its real tokens gets; they sum to 1 (padding gets none; empty for an empty text).

    Raises:
      ConfigError: the model has no attention (another ``model.pooling``).
    """
    pooling = restored.config.model.get("pooling")
    if pooling != "attention":
        raise ConfigError(
            f"the model was trained with model.pooling={pooling!r} and has no attention "
            "weights to show; explanations need a model trained with "
            "--config.model.pooling=attention (without --explain, predict gives the "
            "probabilities of this one)"
        )

    def run(params, tokens, lengths):
        logits, state = restored.model.apply(
            {"params": params}, tokens, lengths, mutable=["intermediates"]
        )
        intermediates = state["intermediates"]
        if "members" in intermediates:  # an ensemble: the mean of its members' attention
            (weights,) = intermediates["members"]["pooling"]["attention"]["weights"]
            weights = weights.mean(axis=0)
        else:
            (weights,) = intermediates["pooling"]["attention"]["weights"]
        queries = time_mask(lengths, tokens.shape[1])[:, :, None]
        mean = jnp.where(queries, weights, 0).sum(axis=1) / jnp.maximum(lengths, 1)[:, None]
        return jax.nn.softmax(logits), mean

    run = jax.jit(run)
    probabilities, seen, weights = [], [], []
    for tokens, lengths, count in _padded_batches(restored, ids):
        p, w = (np.asarray(x)[:count] for x in run(restored.params, tokens, lengths))
        probabilities.append(p)
        for row, n in enumerate(lengths[:count]):
            seen.append(tokens[row, :n])
            weights.append(w[row, :n])
    num_classes = len(restored.labels.names)
    stacked = np.concatenate(probabilities) if probabilities else np.zeros((0, num_classes))
    return stacked.astype(np.float32), seen, weights


def _padded_batches(
    restored: Restored, ids: Sequence[np.ndarray]
) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """Fixed-shape batches of encoded texts, truncated and padded as in training.

    Yields int32[B, T] tokens (B = ``train.eval_batch_size``, T = ``data.max_len``), int32[B]
    lengths and the number of real rows (the last batch is topped up with empty rows).
    """
    from rnnjax.data import pad_ids

    d = restored.config.data
    batch_size = int(restored.config.train.eval_batch_size)
    tokens, lengths = pad_ids(list(ids), d.max_len, d.padding, d.truncating)
    for start in range(0, len(tokens), batch_size):
        rows = slice(start, start + batch_size)
        count = len(tokens[rows])
        pad = batch_size - count
        yield np.pad(tokens[rows], ((0, pad), (0, 0))), np.pad(lengths[rows], (0, pad)), count


def classify_texts(restored: Restored, texts: Sequence[str]) -> np.ndarray:
    """Class probabilities float32[N, C] of raw texts, normalised and encoded as in training."""
    from rnnjax.data import encode_texts

    return classify_ids(restored, encode_texts(texts, restored.config.data, restored.vocab))


def language_model_metrics(
    restored: Restored, tokens: np.ndarray, split: str
) -> dict[str, float]:
    """Loss (nats/token), perplexity and num_tokens of the ``split`` token stream int32[N], in
    windows of ``data.seq_len`` as in training validation."""
    from rnnjax.data.pipeline import lm_batches

    config = restored.config
    mesh = make_mesh(jax.devices()[:1])
    batches = lm_batches(
        tokens,
        batch_size=config.train.eval_batch_size,
        seq_len=config.data.seq_len,
        shuffle=False,
        seed=config.train.seed,
        epoch=0,
        drop_remainder=False,
    )
    return evaluate_batches(
        compile_eval_step(restored.model, mesh), restored.params, batches, mesh, "lm", split
    )
