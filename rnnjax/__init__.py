"""rnnjax: recurrent text models (LSTM, GRU, RNN) in JAX/Flax.

Subpackages follow the data flow: ``text`` -> ``data`` -> ``models`` -> ``training``, with
``sampling`` for generation and ``reports`` for evaluation. Importing ``rnnjax`` is cheap: it
imports none of JAX or TensorFlow; it sets glibc's malloc to reuse XLA's large buffers
(``rnnjax.allocator``), which holds when rnnjax is imported before numpy or JAX.
"""

from rnnjax.allocator import keep_freed_memory

__version__ = "0.1.0"
keep_freed_memory()
