"""tf.data input pipelines that yield fixed-shape numpy batches for JAX.

The batch plan (which examples form which batch) is computed in numpy from ``(seed, epoch)``, so
it is identical on every process and in every run; tf.data then gathers, pads and prefetches in
parallel. Each global batch of ``batch_size`` rows is cut into ``num_processes`` contiguous
slices, so processes see disjoint examples, run the same number of steps with the same shapes,
and together cover every example. Evaluation batches (``drop_remainder=False``) are padded with
weight-0 rows, so every example counts exactly once while shapes stay fixed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from rnnjax.data.prepare import EncodedSplit
from rnnjax.data.tf_cpu import import_tensorflow
from rnnjax.data.validation import PAD_MODES
from rnnjax.errors import ConfigError


def classification_batches(
    split: EncodedSplit,
    *,
    batch_size: int,
    max_len: int,
    padding: str = "post",
    truncating: str = "post",
    bucket_boundaries: Sequence[int] = (),
    shuffle: bool,
    seed: int,
    epoch: int,
    num_processes: int = 1,
    process_index: int = 0,
    drop_remainder: bool,
) -> Iterator[dict[str, np.ndarray]]:
    """Returns an iterator over this process' batches of one epoch of ``split``.

    Each batch is ``{"tokens": int32[B, T], "lengths": int32[B], "labels": int32[B],
    "weights": float32[B]}`` with ``B = batch_size // num_processes``. ``T`` is ``max_len``, or
    with ``bucket_boundaries`` the smallest boundary (or ``max_len``) that fits every row of
    the batch: a few fixed shapes, so a jitted step compiles a bounded number of times. Padding
    rows have weight 0, length 0, label 0 and all-zero tokens.
    """
    per_process = _check_sharding(batch_size, num_processes, process_index)
    if max_len < 1:
        raise ConfigError(f"max_len must be >= 1, got {max_len}")
    for name, value in (("padding", padding), ("truncating", truncating)):
        if value not in PAD_MODES:
            raise ConfigError(f"{name} must be one of {PAD_MODES}, got {value!r}")
    widths = _bucket_widths(bucket_boundaries, max_len)
    tokens, lengths = split.padded(max_len, padding, truncating)
    buckets = np.searchsorted(widths, lengths, side="left")
    rng = np.random.default_rng([seed, epoch])
    plan, plan_buckets = _batch_plan(buckets, len(widths), batch_size, shuffle, rng, drop_remainder)
    local = plan[:, process_index * per_process : (process_index + 1) * per_process]

    tf = import_tensorflow()
    tokens_t = tf.constant(tokens)
    lengths_t = tf.constant(lengths)
    labels_t = tf.constant(np.asarray(split.labels, dtype=np.int32))
    widths_t = tf.constant(np.asarray(widths, dtype=np.int32))

    def gather(indices, bucket):
        valid = indices >= 0
        rows = tf.maximum(indices, 0)
        width = widths_t[bucket]
        batch_tokens = tf.gather(tokens_t, rows)
        batch_tokens = (
            batch_tokens[:, :width] if padding == "post" else batch_tokens[:, max_len - width :]
        )
        mask = tf.cast(valid, tf.int32)
        return {
            "tokens": batch_tokens * mask[:, None],
            "lengths": tf.gather(lengths_t, rows) * mask,
            "labels": tf.gather(labels_t, rows) * mask,
            "weights": tf.cast(valid, tf.float32),
        }

    dataset = tf.data.Dataset.from_tensor_slices((local, plan_buckets.astype(np.int32)))
    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE).as_numpy_iterator()


def lm_batches(
    tokens: np.ndarray,
    *,
    batch_size: int,
    seq_len: int,
    shuffle: bool,
    seed: int,
    epoch: int,
    num_processes: int = 1,
    process_index: int = 0,
    drop_remainder: bool,
) -> Iterator[dict[str, np.ndarray]]:
    """Returns an iterator over this process' next-token windows of ``tokens`` ``int32[N]``.

    Each batch is ``{"inputs": int32[B, T], "targets": int32[B, T], "weights": float32[B, T]}``
    with ``T = seq_len``: window ``w`` is ``tokens[w*T : w*T+T]`` and its targets are shifted by
    one. With ``drop_remainder=False`` the tail shorter than ``T`` becomes a last window padded
    with weight 0, so every target token of the stream counts exactly once.
    """
    per_process = _check_sharding(batch_size, num_processes, process_index)
    if seq_len < 1:
        raise ConfigError(f"seq_len must be >= 1, got {seq_len}")
    inputs, targets, weights = _windows(np.asarray(tokens, dtype=np.int32), seq_len, drop_remainder)
    rng = np.random.default_rng([seed, epoch])
    plan, _ = _batch_plan(
        np.zeros(len(inputs), dtype=np.int64), 1, batch_size, shuffle, rng, drop_remainder
    )
    local = plan[:, process_index * per_process : (process_index + 1) * per_process]

    tf = import_tensorflow()
    inputs_t, targets_t, weights_t = (tf.constant(a) for a in (inputs, targets, weights))

    def gather(indices):
        valid = indices >= 0
        rows = tf.maximum(indices, 0)
        mask = tf.cast(valid, tf.int32)[:, None]
        return {
            "inputs": tf.gather(inputs_t, rows) * mask,
            "targets": tf.gather(targets_t, rows) * mask,
            "weights": tf.gather(weights_t, rows) * tf.cast(mask, tf.float32),
        }

    dataset = tf.data.Dataset.from_tensor_slices(local)
    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE).as_numpy_iterator()


def _check_sharding(batch_size: int, num_processes: int, process_index: int) -> int:
    """Returns the per-process batch size after checking the arguments."""
    if num_processes < 1 or not 0 <= process_index < num_processes:
        raise ConfigError(
            f"process_index must be in [0, num_processes={num_processes}), got {process_index}"
        )
    if batch_size < 1 or batch_size % num_processes:
        raise ConfigError(
            f"batch_size ({batch_size}) must be a positive multiple of the process count "
            f"({num_processes})"
        )
    return batch_size // num_processes


def _bucket_widths(bucket_boundaries: Sequence[int], max_len: int) -> list[int]:
    """The padded lengths a batch may have: the boundaries below ``max_len``, then ``max_len``."""
    boundaries = [int(b) for b in bucket_boundaries]
    if boundaries != sorted(set(boundaries)) or (boundaries and boundaries[0] < 1):
        raise ConfigError(
            f"bucket_boundaries must be increasing positive lengths, got {boundaries}"
        )
    return [b for b in boundaries if b < max_len] + [max_len]


def _batch_plan(
    buckets: np.ndarray,
    num_buckets: int,
    batch_size: int,
    shuffle: bool,
    rng: np.random.Generator,
    drop_remainder: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Groups example indices into global batches that never mix buckets.

    Returns ``int64[K, batch_size]`` example indices (-1 = padding row) and ``int64[K]`` the
    bucket of each batch. Shuffling permutes examples, then the order of the batches.
    """
    order = rng.permutation(len(buckets)) if shuffle else np.arange(len(buckets))
    batches, batch_buckets = [], []
    for bucket in range(num_buckets):
        members = order[buckets[order] == bucket]
        full = len(members) // batch_size
        batches.extend(members[: full * batch_size].reshape(full, batch_size))
        rest = members[full * batch_size :]
        if len(rest) and not drop_remainder:
            batches.append(np.concatenate([rest, np.full(batch_size - len(rest), -1)]))
        batch_buckets.extend([bucket] * (len(batches) - len(batch_buckets)))
    plan = np.asarray(batches, dtype=np.int64).reshape(-1, batch_size)
    plan_buckets = np.asarray(batch_buckets, dtype=np.int64)
    if shuffle:
        permutation = rng.permutation(len(plan))
        plan, plan_buckets = plan[permutation], plan_buckets[permutation]
    return plan, plan_buckets


def _windows(
    tokens: np.ndarray, seq_len: int, drop_remainder: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cuts ``int32[N]`` into ``(inputs, targets, weights)`` of shape ``[W, seq_len]``."""
    num_targets = max(len(tokens) - 1, 0)
    full = num_targets // seq_len
    count = full if drop_remainder else -(-num_targets // seq_len)
    padded = np.zeros(count * seq_len + 1, dtype=np.int32)
    used = min(len(tokens), len(padded))
    padded[:used] = tokens[:used]
    inputs = padded[:-1].reshape(count, seq_len)
    targets = padded[1:].reshape(count, seq_len)
    weights = (np.arange(count * seq_len) < num_targets).astype(np.float32).reshape(count, seq_len)
    return inputs, targets, weights
