"""Corpora, splits, encoding and tf.data batching: everything between files and the model.

``load_corpus`` gives raw text splits, ``prepare_classification``/``prepare_language_model``
give token ids, and ``rnnjax.data.pipeline`` cuts them into fixed-shape numpy batches.
"""

from rnnjax.data.corpora import CORPORA, load_corpus, load_text
from rnnjax.data.prepare import (
    ClassificationData,
    EncodedSplit,
    LanguageModelData,
    encode_texts,
    pad_ids,
    prepare_classification,
    prepare_language_model,
    text_normalizer,
)
from rnnjax.data.splits import Corpus, Split
from rnnjax.data.validation import validate_data_config

__all__ = [
    "CORPORA",
    "ClassificationData",
    "Corpus",
    "EncodedSplit",
    "LanguageModelData",
    "Split",
    "encode_texts",
    "load_corpus",
    "load_text",
    "pad_ids",
    "prepare_classification",
    "prepare_language_model",
    "text_normalizer",
    "validate_data_config",
]
