"""TensorFlow for tf.data only: imported once, quiet, and blind to accelerators so JAX owns them."""

from __future__ import annotations

import functools
import logging
import os


@functools.cache
def import_tensorflow():
    """Returns the ``tensorflow`` module with GPUs hidden from it and C++ logging reduced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # tf.data only gathers and pads ints: oneDNN's float kernels are unused, and leaving them on
    # prints a banner that TF_CPP_MIN_LOG_LEVEL cannot silence.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import tensorflow as tf

    try:
        tf.config.set_visible_devices([], "GPU")
    except RuntimeError:  # TensorFlow already initialised its devices elsewhere: leave them
        logging.warning("TensorFlow was initialised before rnnjax could hide GPUs from it")
    return tf
