"""rnnjax: recurrent text models (LSTM, GRU, RNN) in JAX/Flax.

Subpackages follow the data flow: ``text`` -> ``data`` -> ``models`` -> ``training``, with
``sampling`` for generation and ``reports`` for evaluation. Importing ``rnnjax`` is cheap: it
imports none of JAX or TensorFlow.
"""

__version__ = "0.1.0"
