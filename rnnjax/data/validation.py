"""Checks of the ``data`` config section, so bad values fail early with the field's name."""

from __future__ import annotations

import ml_collections

from rnnjax.errors import ConfigError
from rnnjax.text.normalize import LEVELS
from rnnjax.text.stopwords import SOURCES

PAD_MODES = ("pre", "post")


def validate_data_config(data_cfg: ml_collections.ConfigDict) -> None:
    """Raises ConfigError naming the first invalid ``data.*`` field and the valid values."""
    from rnnjax.data.corpora import CORPORA

    _one_of(data_cfg, "corpus", tuple(CORPORA))
    _one_of(data_cfg, "level", LEVELS)
    _one_of(data_cfg, "stopwords", SOURCES)
    _one_of(data_cfg, "padding", PAD_MODES)
    _one_of(data_cfg, "truncating", PAD_MODES)
    if data_cfg.max_words < 2:
        raise ConfigError(
            f"data.max_words must be >= 2 (ids 0 and 1 are pad and OOV), got {data_cfg.max_words}"
        )
    if data_cfg.max_len < 1:
        raise ConfigError(f"data.max_len must be >= 1, got {data_cfg.max_len}")
    if data_cfg.min_freq < 1:
        raise ConfigError(f"data.min_freq must be >= 1, got {data_cfg.min_freq}")
    for name in ("validation_fraction", "test_fraction"):
        value = data_cfg[name]
        if not 0.0 <= value < 1.0:
            raise ConfigError(f"data.{name} must be in [0, 1), got {value}")
    train_fraction = 1.0 - data_cfg.validation_fraction - data_cfg.test_fraction
    if train_fraction <= 0.0:
        raise ConfigError(
            "split fractions must sum to 1 with a positive train share: data.validation_fraction "
            f"({data_cfg.validation_fraction}) + data.test_fraction ({data_cfg.test_fraction}) "
            "must be < 1"
        )
    boundaries = tuple(data_cfg.bucket_boundaries)
    if boundaries and (
        list(boundaries) != sorted(set(boundaries))
        or boundaries[0] < 1
        or boundaries[-1] > data_cfg.max_len
    ):
        raise ConfigError(
            "data.bucket_boundaries must be increasing lengths in [1, data.max_len="
            f"{data_cfg.max_len}], got {boundaries}"
        )
    if "seq_len" in data_cfg and data_cfg.seq_len < 1:
        raise ConfigError(f"data.seq_len must be >= 1, got {data_cfg.seq_len}")


def _one_of(data_cfg: ml_collections.ConfigDict, field: str, valid: tuple[str, ...]) -> None:
    if data_cfg[field] not in valid:
        raise ConfigError(f"data.{field} must be one of {valid}, got {data_cfg[field]!r}")
