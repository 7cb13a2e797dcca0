"""What the train-step benchmarks share: issue 12's model as an rnnjax config, and token batches.

Imported by throughput.py, profile_step.py and projection.py (run from the repository root as
``python benchmarks/<script>.py``, which puts this folder on the import path), and a config
file too: ``--config=benchmarks/step_setup.py:lstm,2,64`` is the model of cell lstm, 2
directions, batch 64 (``get_config``). It imports numpy
only when called: throughput.py's workers import rnnjax before numpy starts its BLAS threads
(rnnjax.allocator).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ml_collections
    import numpy as np

VOCAB, EMBED, HIDDEN, CLASSES = 20000, 128, 128, 4


def benchmark_config(
    cell: str, dirs: int, batch: int, options: dict | None = None
) -> ml_collections.ConfigDict:
    """The benchmark's model and optimizer as a classification config: 20,000 words, E=H=128,
    max pooling straight into the logits, no dropout, Adam 1e-3 without clipping; ``options``
    are more ``model`` keys (a variant's ``projection``, ``unroll``, ``backward``...)."""
    from rnnjax.configs import classification_config

    config = classification_config()
    config.data.max_words = VOCAB
    config.model.update(
        cell=cell, bidirectional=dirs == 2, embed_dim=EMBED, hidden_size=HIDDEN,
        pooling="max", dense_sizes=(), head_dropout=0.0, dense_dropout=0.0, **(options or {}),
    )
    config.train.update(batch_size=batch, learning_rate=1e-3, grad_clip_norm=0.0)
    return config


def get_config(variant: str = "lstm,2,64") -> ml_collections.ConfigDict:
    """``benchmark_config`` of ``"cell,directions,batch"``, for ml-collections' config flags."""
    cell, dirs, batch = variant.split(",")
    return benchmark_config(cell, int(dirs), int(batch))


def zipf_batch(rng: np.random.Generator, rows: int, time_: int, vocab: int) -> dict:
    """A batch for ``rnnjax.training.steps``: full-length rows of Zipf(1.2) token ids (a
    word-frequency-like spread over the vocabulary, so an embedding update touches as many rows
    as real text would), random labels, every row weighted 1."""
    import numpy as np

    tokens = np.minimum(rng.zipf(1.2, size=(rows, time_)), vocab - 1).astype(np.int32)
    return {
        "tokens": tokens,
        "lengths": np.full(rows, time_, np.int32),
        "labels": rng.integers(0, CLASSES, rows).astype(np.int32),
        "weights": np.ones(rows, np.float32),
    }
