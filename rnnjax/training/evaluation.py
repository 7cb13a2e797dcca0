"""Metrics of a model over evaluation batches, reduced over devices and processes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from jax.sharding import Mesh

from rnnjax.errors import DataError
from rnnjax.training.losses import summarize
from rnnjax.training.parallel import fetch, global_batch


def evaluate_batches(
    eval_step: Callable, params: Any, batches: Iterable[dict[str, np.ndarray]], mesh: Mesh,
    kind: str,
    split: str,
) -> dict[str, float]:
    """Weighted loss (nats per example or token) and accuracy over ``batches``.

    Classifiers add ``num_examples``; language models add ``num_tokens`` and ``perplexity``
    (``exp`` of the loss in nats per token). Weight-0 (padding) rows and tokens count zero.
    """
    total: dict[str, float] = {}
    for batch in batches:
        sums = fetch(eval_step(params, global_batch(batch, mesh)))
        for key, value in sums.items():
            total[key] = total.get(key, 0.0) + float(value)
    if not total:
        raise DataError(
            f"the {split} split is empty; give it examples (e.g. data.validation_fraction > 0)"
        )
    metrics = summarize(total)
    if kind == "lm":
        metrics["perplexity"] = math.exp(min(metrics["loss"], 700.0))
        metrics["num_tokens"] = round(total["tokens"])  # (bidirectional: 2 targets each)
    else:
        metrics["num_examples"] = round(total["weight"])
    return metrics
