"""Recurrent models: cells, the exact-length encoder, pooling heads, classifier, language model.

Implementation lives in private-by-convention modules; this is the public surface.
"""

from rnnjax.models.build import build_model
from rnnjax.models.cells import GRUCell, LSTMCell, SimpleRNNCell, make_cell
from rnnjax.models.classifier import TextClassifier
from rnnjax.models.encoder import RecurrentEncoder
from rnnjax.models.heads import POOLINGS, Pooling
from rnnjax.models.language_model import RNNLanguageModel

__all__ = [
    "POOLINGS",
    "GRUCell",
    "LSTMCell",
    "Pooling",
    "RNNLanguageModel",
    "RecurrentEncoder",
    "SimpleRNNCell",
    "TextClassifier",
    "build_model",
    "make_cell",
]
