"""Tests of rnnjax.data.validation: each invalid data field is named in a ConfigError."""

import pytest

from rnnjax.configs import data_config
from rnnjax.data import validate_data_config
from rnnjax.errors import ConfigError


def test_defaults_are_valid():
    validate_data_config(data_config())


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("max_words", 1, "data.max_words"),
        ("max_words", 0, "data.max_words"),
        ("max_len", 0, "data.max_len"),
        ("min_freq", 0, "data.min_freq"),
        ("validation_fraction", 0.6, "data.validation_fraction"),
        ("test_fraction", 1.0, "data.test_fraction"),
        ("validation_fraction", -0.1, "data.validation_fraction"),
        ("corpus", "imdb", "data.corpus"),
        ("level", "byte", "data.level"),
        ("stopwords", "spacy", "data.stopwords"),
        ("padding", "left", "data.padding"),
        ("truncating", "middle", "data.truncating"),
        ("bucket_boundaries", (64, 32), "data.bucket_boundaries"),
        ("bucket_boundaries", (32, 400), "data.bucket_boundaries"),
    ],
)
def test_invalid_field_is_named(field, value, named):
    cfg = data_config()
    cfg[field] = value
    if field == "validation_fraction" and value == 0.6:
        cfg.test_fraction = 0.5  # 0.6 + 0.5 leaves no training data
    with pytest.raises(ConfigError, match=named):
        validate_data_config(cfg)
