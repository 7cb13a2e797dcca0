"""TensorBoard event files through ``tf.summary`` (TensorFlow is already the data dependency)."""

from __future__ import annotations

from pathlib import Path

from rnnjax.data.tf_cpu import import_tensorflow


class SummaryWriter:
    """Writes scalar summaries to ``logdir``."""

    def __init__(self, logdir: Path):
        self._tf = import_tensorflow()
        self._writer = self._tf.summary.create_file_writer(str(logdir))

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """Logs each ``name -> value`` at ``step``."""
        with self._writer.as_default(step=step):
            for name, value in values.items():
                self._tf.summary.scalar(name, value)
        self._writer.flush()

    def close(self) -> None:
        """Flushes and closes the event file."""
        self._writer.close()
