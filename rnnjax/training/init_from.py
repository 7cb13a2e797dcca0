"""Starting a classifier from a trained language model: its embedding and recurrent encoder.

The classifier adopts the language model's vocabulary (so the embedding rows mean the same
tokens), copies ``embed`` and ``encoder`` into its freshly initialised params and keeps its own
head. A model that does not fit is a ConfigError naming both values and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import ml_collections

from rnnjax.errors import CheckpointError, ConfigError
from rnnjax.training import workdir as files

TRANSFERRED = ("embed", "encoder")  # param subtrees copied from the language model
# model keys that shape the transferred params (reset_after adds the GRU's recurrent bias)
MATCHING_KEYS = ("cell", "embed_dim", "hidden_size", "num_layers", "bidirectional", "reset_after")


def read_vocabulary(path: Path) -> Any:
    """The vocabulary of the language-model workdir ``path`` (checked to be one)."""
    from rnnjax.text import Vocabulary

    _language_model_config(path)  # a language model's workdir, or a ConfigError
    return Vocabulary.load(path / files.VOCAB_FILE)


def check_compatible(lm_config: ml_collections.ConfigDict, config: ml_collections.ConfigDict,
                     path: Path) -> None:
    """ConfigError unless ``path``'s language model has the classifier's encoder shape."""
    for key in MATCHING_KEYS:
        theirs, ours = lm_config.model[key], config.model[key]
        if theirs != ours:
            raise ConfigError(
                f"train.init_from={path} holds a language model with model.{key}={theirs!r} but "
                f"this classifier has model.{key}={ours!r}; set --config.model.{key}={theirs!r} "
                f"or pretrain a language model with model.{key}={ours!r}"
            )


def load_pretrained(path: Path, config: ml_collections.ConfigDict) -> Any:
    """The best checkpoint's params of the language model in ``path``, checked against
    ``config``'s model (ConfigError on a mismatch or when ``path`` holds no language model)."""
    from rnnjax.training.restore import restore

    check_compatible(_language_model_config(path), config, path)
    try:
        return restore(path, "best").params
    except CheckpointError as error:
        raise ConfigError(f"train.init_from={path}: {error}") from None


def transplant(params: Any, pretrained: Any, path: Path) -> Any:
    """``params`` with ``pretrained``'s TRANSFERRED subtrees (shapes and structure checked)."""
    shapes = lambda tree: jax.tree.map(lambda a: tuple(a.shape), tree)
    for name in TRANSFERRED:
        ours, theirs = shapes(params[name]), shapes(pretrained[name])
        if ours != theirs:
            raise ConfigError(
                f"train.init_from={path}: the language model's {name} params {theirs} do not "
                f"fit this classifier's {ours} (vocabulary size, sizes or cell differ); "
                "pretrain with this config's model and data sections"
            )
    return {**params, **{name: pretrained[name] for name in TRANSFERRED}}


def _language_model_config(path: Path) -> ml_collections.ConfigDict:
    try:
        config = files.read_config(path)
    except CheckpointError:
        raise ConfigError(
            f"train.init_from={path} is not a training workdir (no {files.CONFIG_FILE}); "
            "train a language model there first (model.kind='lm', e.g. "
            f"`python -m rnnjax.train --config configs/bbc_news.py:lm_pretrain --workdir {path}`)"
        ) from None
    if config.model.kind != "lm":
        raise ConfigError(
            f"train.init_from={path} holds a {config.model.kind}, not a language model; "
            "give the workdir of a run with model.kind='lm'"
        )
    return config
