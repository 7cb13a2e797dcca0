"""Text preprocessing: normalisation, stopwords, vocabularies and label encoding.

Plain Python and numpy only (no JAX, no TensorFlow), so prediction can encode text without them.
"""

from rnnjax.text.labels import LabelEncoder
from rnnjax.text.normalize import normalize, tokenize
from rnnjax.text.stopwords import load_stopwords
from rnnjax.text.vocabulary import Vocabulary

__all__ = ["LabelEncoder", "Vocabulary", "load_stopwords", "normalize", "tokenize"]
