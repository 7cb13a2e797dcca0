"""Tests of rnnjax.data.pipeline: shapes, padding, eval coverage, sharding, determinism, LM
windows. Small synthetic splits with known ids, checked against plain numpy."""

import numpy as np
import pytest

from rnnjax.data import EncodedSplit
from rnnjax.data.pipeline import classification_batches, lm_batches
from rnnjax.errors import ConfigError

N = 53


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 40, size=N)
    lengths[:3] = [0, 39, 12]
    ids = [np.arange(1, n + 1, dtype=np.int32) + 1000 * i for i, n in enumerate(lengths)]
    # labels = example index, so every batch row says which example it holds
    labels, texts = np.arange(N, dtype=np.int32), [str(i) for i in range(N)]
    return EncodedSplit(ids, labels, texts, np.arange(N))


def _batches(split, **kwargs):
    options = dict(batch_size=8, max_len=16, shuffle=False, seed=0, epoch=0, drop_remainder=False)
    return list(classification_batches(split, **{**options, **kwargs}))


def test_shapes_dtypes_and_padding_rows(split):
    batches = _batches(split)
    assert len(batches) == 7
    for batch in batches:
        assert batch["tokens"].shape == (8, 16) and batch["tokens"].dtype == np.int32
        assert batch["lengths"].dtype == batch["labels"].dtype == np.int32
        assert batch["weights"].dtype == np.float32 and batch["weights"].shape == (8,)
    last = batches[-1]
    np.testing.assert_array_equal(last["weights"], [1, 1, 1, 1, 1, 0, 0, 0])
    assert not last["tokens"][5:].any() and not last["lengths"][5:].any()


@pytest.mark.parametrize(
    ("padding", "truncating"), [("post", "post"), ("pre", "pre"), ("pre", "post"), ("post", "pre")]
)
def test_rows_match_numpy_reference(split, padding, truncating):
    batches = _batches(split, padding=padding, truncating=truncating)
    tokens = np.concatenate([b["tokens"] for b in batches])[:N]
    lengths = np.concatenate([b["lengths"] for b in batches])[:N]
    labels = np.concatenate([b["labels"] for b in batches])[:N]
    for i, ids in enumerate(split.ids):
        kept = ids[:16] if truncating == "post" else ids[-16:] if len(ids) else ids
        row = np.zeros(16, np.int32)
        if len(kept):
            row[: len(kept)] = kept if padding == "post" else 0
            if padding == "pre":
                row[16 - len(kept) :] = kept
        np.testing.assert_array_equal(tokens[i], row)
        assert lengths[i] == len(kept) and labels[i] == split.labels[i]


@pytest.mark.parametrize("bucket_boundaries", [(), (4, 8)])
def test_eval_counts_every_example_exactly_once(split, bucket_boundaries):
    batches = _batches(split, shuffle=True, seed=3, bucket_boundaries=bucket_boundaries)
    weights = np.concatenate([b["weights"] for b in batches])
    labels = np.concatenate([b["labels"] for b in batches])
    assert set(weights.tolist()) == {0.0, 1.0}
    assert sorted(labels[weights > 0].tolist()) == list(range(N))


def test_training_drops_the_remainder(split):
    batches = _batches(split, shuffle=True, drop_remainder=True)
    assert len(batches) == N // 8 and all(b["weights"].all() for b in batches)


@pytest.mark.parametrize("drop_remainder", [False, True])
@pytest.mark.parametrize("num_processes", [2, 4])
def test_sharding_is_disjoint_complete_and_in_lockstep(split, num_processes, drop_remainder):
    kwargs = dict(
        shuffle=True, seed=1, epoch=2, drop_remainder=drop_remainder, bucket_boundaries=(8,)
    )
    full = _batches(split, **kwargs)
    shards = [
        _batches(split, num_processes=num_processes, process_index=p, **kwargs)
        for p in range(num_processes)
    ]
    assert all(len(s) == len(full) for s in shards)
    for step, batch in enumerate(full):
        parts = [s[step] for s in shards]
        assert all(
            p["tokens"].shape == (8 // num_processes, batch["tokens"].shape[1]) for p in parts
        )
        for key in batch:
            np.testing.assert_array_equal(np.concatenate([p[key] for p in parts]), batch[key])


def test_shuffle_is_seeded_and_changes_per_epoch(split):
    def order(seed, epoch):
        batches = _batches(split, shuffle=True, seed=seed, epoch=epoch)
        return np.concatenate([b["labels"][b["weights"] > 0] for b in batches]).tolist()

    assert order(0, 0) == order(0, 0)
    assert order(0, 0) != order(0, 1)
    assert order(0, 0) != order(1, 0)
    assert sorted(order(0, 0)) == sorted(order(0, 1)) == list(range(N))


def test_buckets_give_bounded_fixed_shapes(split):
    batches = _batches(split, bucket_boundaries=(4, 8), max_len=32, shuffle=True)
    widths = {b["tokens"].shape[1] for b in batches}
    assert widths <= {4, 8, 32}
    for b in batches:
        width = b["tokens"].shape[1]
        assert (b["lengths"] <= width).all()
        smaller = [w for w in (4, 8, 32) if w < width]
        if smaller and b["weights"].all():
            assert (b["lengths"] > max(smaller)).any()  # the smallest bucket that fits
    assert sorted(np.concatenate([b["lengths"][b["weights"] > 0] for b in batches])) == sorted(
        min(len(x), 32) for x in split.ids
    )


def test_bad_arguments_named(split):
    with pytest.raises(ConfigError, match=r"batch_size"):
        _batches(split, batch_size=6, num_processes=4)
    with pytest.raises(ConfigError, match=r"process_index"):
        _batches(split, num_processes=2, process_index=2)
    with pytest.raises(ConfigError, match=r"max_len"):
        _batches(split, max_len=0)
    with pytest.raises(ConfigError, match=r"padding"):
        _batches(split, padding="left")


def test_lm_windows_match_numpy_and_cover_every_target():
    tokens = np.arange(3, 103, dtype=np.int32)  # 100 tokens -> 99 targets
    batches = list(
        lm_batches(
            tokens, batch_size=4, seq_len=7, shuffle=False, seed=0, epoch=0, drop_remainder=False
        )
    )
    inputs = np.concatenate([b["inputs"] for b in batches])
    targets = np.concatenate([b["targets"] for b in batches])
    weights = np.concatenate([b["weights"] for b in batches])
    assert all(b["inputs"].shape == (4, 7) and b["weights"].dtype == np.float32 for b in batches)
    np.testing.assert_array_equal(inputs[0], tokens[:7])
    np.testing.assert_array_equal(targets[0], tokens[1:8])
    assert weights.sum() == 99
    np.testing.assert_array_equal(np.sort(targets[weights > 0]), tokens[1:])
    np.testing.assert_array_equal(targets[weights > 0], inputs[weights > 0] + 1)


def test_lm_training_batches_shuffle_and_shard():
    tokens = np.arange(1, 1002, dtype=np.int32)
    kwargs = dict(batch_size=4, seq_len=10, shuffle=True, seed=0, epoch=1, drop_remainder=True)
    full = list(lm_batches(tokens, **kwargs))
    assert len(full) == 25 and all(b["weights"].all() for b in full)
    starts = np.concatenate([b["inputs"][:, 0] for b in full])
    assert sorted(starts.tolist()) == list(range(1, 1001, 10)) and starts.tolist() != sorted(starts)
    halves = [list(lm_batches(tokens, num_processes=2, process_index=p, **kwargs)) for p in (0, 1)]
    for step, batch in enumerate(full):
        np.testing.assert_array_equal(
            np.concatenate([halves[0][step]["inputs"], halves[1][step]["inputs"]]), batch["inputs"]
        )


def test_empty_inputs_give_no_batches():
    empty = EncodedSplit([], np.zeros(0, np.int32), [], np.zeros(0, np.int64))
    assert _batches(empty) == []
    assert (
        list(
            lm_batches(
                np.zeros(1, np.int32),
                batch_size=2,
                seq_len=4,
                shuffle=False,
                seed=0,
                epoch=0,
                drop_remainder=False,
            )
        )
        == []
    )


def test_bad_arguments_fail_at_the_call_not_at_the_first_batch(split):
    with pytest.raises(ConfigError, match="batch_size"):
        classification_batches(
            split,
            batch_size=3,
            max_len=4,
            shuffle=False,
            seed=0,
            epoch=0,
            num_processes=2,
            drop_remainder=True,
        )
    with pytest.raises(ConfigError, match="seq_len"):
        lm_batches(
            np.arange(9),
            batch_size=2,
            seq_len=0,
            shuffle=False,
            seed=0,
            epoch=0,
            drop_remainder=True,
        )
