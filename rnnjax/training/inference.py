"""Inference with a restored model: class probabilities of texts, language-model loss."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np

from rnnjax.training.evaluation import evaluate_batches
from rnnjax.training.parallel import make_mesh
from rnnjax.training.restore import Restored
from rnnjax.training.steps import compile_eval_step


def classify_ids(restored: Restored, ids: Sequence[np.ndarray]) -> np.ndarray:
    """Class probabilities float32[N, C] of encoded texts, in input order.

    Texts are truncated/padded to ``data.max_len`` as in training and run in fixed-shape
    batches of ``train.eval_batch_size`` (one compilation); an empty text is valid.
    """
    from rnnjax.data import pad_ids

    d = restored.config.data
    batch_size = int(restored.config.train.eval_batch_size)
    tokens, lengths = pad_ids(list(ids), d.max_len, d.padding, d.truncating)
    probabilities = jax.jit(
        lambda params, t, n: jax.nn.softmax(restored.model.apply({"params": params}, t, n))
    )
    out = []
    for start in range(0, len(tokens), batch_size):
        rows = slice(start, start + batch_size)
        count = len(tokens[rows])
        pad = batch_size - count
        t = np.pad(tokens[rows], ((0, pad), (0, 0)))
        n = np.pad(lengths[rows], (0, pad))
        out.append(np.asarray(probabilities(restored.params, t, n))[:count])
    num_classes = len(restored.labels.names)
    return np.concatenate(out) if out else np.zeros((0, num_classes), np.float32)


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
