"""Tests of rnnjax.data.tf_cpu: TensorFlow is imported once, with no GPU and quiet logs."""

import os

from rnnjax.data.tf_cpu import import_tensorflow


def test_tensorflow_sees_no_gpu_and_is_cached():
    tf = import_tensorflow()
    assert tf.config.get_visible_devices("GPU") == []
    assert import_tensorflow() is tf
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] in {"1", "2", "3"}
