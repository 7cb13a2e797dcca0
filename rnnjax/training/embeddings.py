"""Pretrained word vectors (``model.embeddings_path``) into the step-0 parameters of a run.

Only a fresh run's initial state takes them: a resumed run restores its trained embeddings
from the checkpoint instead. Rows of words the file lacks keep the model's own init.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections

from rnnjax.errors import ConfigError
from rnnjax.text.vectors import WordVectors, read_vectors
from rnnjax.text.vocabulary import Vocabulary


def embeddings_file(config: ml_collections.ConfigDict) -> Path:
    """``model.embeddings_path``, relative to the data dir unless absolute (as corpus paths)."""
    from rnnjax.data.sources import data_dir

    return data_dir(config.data) / Path(config.model.embeddings_path).expanduser()


def load_word_vectors(
    config: ml_collections.ConfigDict, vocab: Vocabulary
) -> WordVectors | None:
    """The vectors of ``vocab``'s words from ``model.embeddings_path`` (None when unset); logs
    their coverage. ConfigError when frozen embeddings would still be moved by weight decay."""
    model, train = config.model, config.train
    if model.freeze_embeddings and train.weight_decay:
        raise ConfigError(
            f"model.freeze_embeddings with train.weight_decay={train.weight_decay} would still "
            "decay the frozen embeddings; set train.weight_decay=0 or freeze_embeddings=False"
        )
    if not model.embeddings_path:
        return None
    vectors = read_vectors(embeddings_file(config), vocab, model.embed_dim)
    if jax.process_index() == 0:
        print(vectors.coverage(), file=sys.stderr)
    return vectors


def with_word_vectors(params: Any, vectors: WordVectors | None) -> Any:
    """``params`` with the found words' rows of ``embed/embedding`` replaced by their vectors."""
    if vectors is None:
        return params
    table = params["embed"]["embedding"]
    table = table.at[jnp.asarray(vectors.ids)].set(jnp.asarray(vectors.vectors, table.dtype))
    return {**params, "embed": {**params["embed"], "embedding": table}}
