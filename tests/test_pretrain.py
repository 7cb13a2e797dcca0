"""Language-model pretraining and fine-tuning: the LM reads only its split's training texts (plus
the extra corpora), ``python -m rnnjax.train`` pretrains then fine-tunes from it, adopting its
vocabulary, embedding and encoder, reuses a finished pretraining, and refuses a language model
that does not fit with one line naming both values and the fix."""

from __future__ import annotations

import json
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from train_helpers import error_line, run_module

from rnnjax.cli import load_config
from rnnjax.data import prepare_classification, prepare_language_model
from rnnjax.data.prepare import text_normalizer
from rnnjax.errors import ConfigError
from rnnjax.models import RecurrentEncoder, RNNLanguageModel, build_model
from rnnjax.text import Vocabulary
from rnnjax.training import restore
from rnnjax.training.forward import batch_sums, lm_targets
from rnnjax.training.losses import cross_entropy
from rnnjax.training.pretrain import pretraining_config

from conftest import REPO_ROOT

SMOKE_PRETRAIN = ["--config", f"{REPO_ROOT}/configs/bbc_news.py:smoke_pretrain"]


def _config(variant: str = "smoke_pretrain", **data):
    config = load_config(f"{REPO_ROOT}/configs/bbc_news.py:{variant}")
    config.data.update(data)
    return config


def test_pretraining_config_trains_the_classifiers_model_with_the_pretrain_section():
    config = _config()
    config.pretrain.update(epochs=3, learning_rate=0.02, batch_size=8, seq_len=12)
    lm = pretraining_config(config)
    assert (lm.model.kind, lm.data.seq_len, lm.pretrain.enabled) == ("lm", 12, True)
    assert (lm.train.epochs, lm.train.learning_rate, lm.train.batch_size) == (3, 0.02, 8)
    assert (lm.train.schedule, lm.train.discriminative_decay, lm.train.gradual_unfreezing) == (
        "constant", 1.0, False
    )
    assert lm.data.to_dict() == {**config.data.to_dict(), "seq_len": 12}
    for key in ("cell", "embed_dim", "hidden_size", "num_layers", "bidirectional"):
        assert lm.model[key] == config.model[key]


@pytest.mark.parametrize("split_seed", [0, 1])
def test_language_model_reads_no_validation_or_test_text(split_seed):
    """By row id and by content: the LM's stream holds every training text of the split and
    none of its validation or test texts; another split seed gives another stream."""
    config = _config(split_seed=split_seed)
    lm = pretraining_config(config)
    lm_data = prepare_language_model(lm.data, lm.pretrain)
    data = prepare_classification(config.data)
    rows = data.row_ids()
    assert lm_data.row_ids == {"train": rows["train"]}
    assert not set(lm_data.row_ids["train"]) & (set(rows["validation"]) | set(rows["test"]))
    streamed = sum(len(split) for split in lm_data.splits.values())
    assert len(lm_data.splits["test"]) == 0  # the classifier's test split is the test
    assert len(lm_data.splits["validation"]) == round(streamed * lm.pretrain.validation_fraction)
    vocab = lm_data.vocab
    assert vocab == data.vocab  # the vocabulary the classifier would fit from its train split
    stream = " " + vocab.decode(np.concatenate([lm_data.splits["train"],
                                                lm_data.splits["validation"]])) + " "
    clean = text_normalizer(config.data)
    seen = lambda text: f" {vocab.decode(vocab.encode(clean(text)))} " in stream
    assert all(seen(text) for text in data.splits["train"].texts)
    for split in ("validation", "test"):
        assert not any(seen(text) for text in data.splits[split].texts), split
    other = prepare_language_model(pretraining_config(_config(split_seed=1 - split_seed)).data,
                                   lm.pretrain)
    assert other.row_ids != lm_data.row_ids


def test_extra_corpora_join_the_stream_but_not_the_vocabulary():
    config = _config()
    lm = pretraining_config(config)
    with_extra = prepare_language_model(lm.data, lm.pretrain)
    lm.pretrain.extra_corpora = ()
    alone = prepare_language_model(lm.data, lm.pretrain)
    total = lambda d: sum(len(s) for s in d.splits.values())
    assert total(with_extra) > total(alone) and with_extra.vocab == alone.vocab
    lm.pretrain.extra_corpora = ("bbc",)
    with pytest.raises(ConfigError, match=r"names data\.corpus 'bbc'"):
        prepare_language_model(lm.data, lm.pretrain)


def test_bidirectional_lm_loss_predicts_next_and_previous_tokens():
    inputs = jnp.array([[3, 4, 5, 0]], jnp.int32)
    batch = {
        "inputs": inputs,
        "targets": jnp.array([[4, 5, 6, 0]], jnp.int32),
        "weights": jnp.array([[1.0, 1.0, 1.0, 0.0]]),
    }
    targets, weights = lm_targets(batch, bidirectional=True)
    np.testing.assert_array_equal(targets[0], [[4, 0], [5, 3], [6, 4], [0, 5]])
    np.testing.assert_array_equal(weights[0], [[1, 0], [1, 1], [1, 1], [0, 1]])

    encoder = RecurrentEncoder(cell="gru", hidden_size=4, bidirectional=True)
    model = RNNLanguageModel(vocab_size=8, encoder=encoder, embed_dim=3)
    params = model.init(jax.random.key(0), inputs)["params"]
    logits, _ = model.apply({"params": params}, inputs)
    sums = batch_sums(model, params, batch, deterministic=True)
    expected = float(jnp.sum(cross_entropy(logits, targets) * weights))
    assert float(sums["loss"]) == pytest.approx(expected, rel=1e-6)
    assert (float(sums["weight"]), float(sums["tokens"])) == (6.0, 3.0)


@pytest.fixture(scope="module")
def fine_tuned(tmp_path_factory):
    """smoke_pretrain trained end to end through the CLI (pretraining, then fine-tuning)."""
    workdir = tmp_path_factory.mktemp("pretrain") / "run"
    result = run_module("rnnjax.train", *SMOKE_PRETRAIN, "--workdir", str(workdir))
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


@pytest.mark.slow
def test_pretrain_then_fine_tune_round_trip(fine_tuned, tmp_path):
    lm_dir = fine_tuned / "pretrain"
    assert (lm_dir / "checkpoints").is_dir()
    assert json.loads((lm_dir / "config.json").read_text())["model"]["kind"] == "lm"
    vocab = Vocabulary.load(fine_tuned / "vocab.json")
    assert vocab == Vocabulary.load(lm_dir / "vocab.json")
    lm = restore(lm_dir, "best").params
    # gradual unfreezing: after epoch 0 (12 steps) only the head has moved from the LM's start
    first_epoch = restore(fine_tuned, 12).params
    for name in ("embed", "encoder"):
        jax.tree.map(np.testing.assert_array_equal, first_epoch[name], lm[name])
    assert not np.array_equal(restore(fine_tuned, 24).params["encoder"]["layer_0"]["kernel"],
                              lm["encoder"]["layer_0"]["kernel"])

    # A rerun after the classifier's checkpoints are lost reuses the finished pretraining and
    # trains the same classifier again.
    again = tmp_path / "again"
    shutil.copytree(fine_tuned, again)
    shutil.rmtree(again / "checkpoints")
    (again / "metrics.jsonl").unlink()
    lm_metrics = (again / "pretrain" / "metrics.jsonl").read_text()
    result = run_module("rnnjax.train", *SMOKE_PRETRAIN, "--workdir", str(again))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "resuming from checkpoint" in result.stderr  # the language model's: nothing to train
    assert (again / "pretrain" / "metrics.jsonl").read_text() == lm_metrics
    strip = lambda d: [{k: v for k, v in json.loads(line).items() if k != "tokens_per_sec"}
                       for line in (d / "metrics.jsonl").read_text().splitlines()]
    assert strip(again) == strip(fine_tuned)

    # Resuming the fine-tuning continues from its own checkpoint: the language model is not
    # read again (here it is gone), nor trained anew.
    resumed = tmp_path / "resumed"
    shutil.copytree(fine_tuned, resumed)
    shutil.rmtree(resumed / "checkpoints" / "24")
    shutil.rmtree(resumed / "pretrain")
    result = run_module("rnnjax.train", *SMOKE_PRETRAIN, "--workdir", str(resumed))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "resuming from checkpoint step 12" in result.stderr
    assert not (resumed / "pretrain").exists()
    assert strip(resumed) == strip(fine_tuned)


@pytest.mark.slow
def test_init_from_starts_a_classifier_from_a_language_model_workdir(fine_tuned, tmp_path):
    """The two-step form: a plain classifier config with train.init_from=<LM workdir>."""
    workdir = tmp_path / "clf"
    result = run_module(
        "rnnjax.train", "--config", f"{REPO_ROOT}/configs/bbc_news.py:smoke",
        f"--config.train.init_from={fine_tuned / 'pretrain'}", "--config.train.epochs=1",
        "--workdir", str(workdir),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert Vocabulary.load(workdir / "vocab.json") == Vocabulary.load(
        fine_tuned / "pretrain" / "vocab.json"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["--config.model.hidden_size=32"],
         "model.hidden_size=16 but this classifier has model.hidden_size=32; set "
         "--config.model.hidden_size=16"),
        (["--config.model.cell=lstm"], "model.cell='gru' but this classifier has model.cell="),
        (["--config.pretrain.enabled=True"], "both give the classifier its start"),
    ],
)
def test_a_language_model_that_does_not_fit_is_one_line(fine_tuned, tmp_path, overrides,
                                                        expected):
    result = run_module(
        "rnnjax.train", "--config", f"{REPO_ROOT}/configs/bbc_news.py:smoke",
        f"--config.train.init_from={fine_tuned / 'pretrain'}", *overrides,
        "--workdir", str(tmp_path / "clf"),
    )
    assert expected in error_line(result)


@pytest.mark.slow
def test_init_from_a_classifier_or_nothing_is_one_line(fine_tuned, tmp_path):
    for source, expected in ((fine_tuned, "not a language model"),
                             (tmp_path / "missing", "is not a training workdir")):
        result = run_module(
            "rnnjax.train", "--config", f"{REPO_ROOT}/configs/bbc_news.py:smoke",
            f"--config.train.init_from={source}", "--workdir", str(tmp_path / "clf"),
        )
        assert expected in error_line(result)


def test_stacked_bidirectional_pretraining_is_refused():
    config = _config()
    config.model.update(bidirectional=True, num_layers=2)
    with pytest.raises(ConfigError, match="would see the token it predicts"):
        build_model(pretraining_config(config).model, vocab_size=10, num_classes=None)
