"""End to end: the word-level news generator (configs/news_gen.py:smoke, reference 002) trains on
article text (the tiny BBC corpus), evaluates in nats per word and samples words of its
vocabulary."""

from __future__ import annotations

import json
import math

import pytest
from train_helpers import run_module

from rnnjax.training import restore

pytestmark = pytest.mark.slow


def test_train_evaluate_and_sample_words(tmp_path):
    workdir = str(tmp_path / "news_gen")
    done = run_module(
        "rnnjax.train", "--config", "configs/news_gen.py:smoke", "--workdir", workdir,
        "--config.data.test_fraction=0.5",  # the tiny corpus' stream is short: train on more
    )
    assert done.returncode == 0, done.stderr[-2000:]

    done = run_module("rnnjax.evaluate", "--workdir", workdir, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    restored = restore(workdir)
    assert restored.vocab.level == "word" and 2 < len(restored.vocab) <= 2000  # max_words
    # Trained: well below the uniform distribution's log(V) nats per word (the tiny corpus draws
    # its words independently, so context cannot help much more).
    assert report["loss"] < math.log(len(restored.vocab)) - 0.5
    assert report["perplexity"] == pytest.approx(math.exp(report["loss"]), rel=1e-6)
    assert report["num_tokens"] > 500

    prompts = ["The Government said", "zzyzx quuxle"]  # normalised like training; OOV words
    done = run_module(
        "rnnjax.sample", "--workdir", workdir, *[f"--prompt={p}" for p in prompts],
        "--num_samples=2", "--max_tokens=12", "--temperature=0.8", "--top_k=40", "--seed=0",
        "--json",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    samples = json.loads(done.stdout)
    assert [s["prompt"] for s in samples] == [p for p in prompts for _ in range(2)]
    words = set(restored.vocab.tokens[2:])  # never padding or OOV
    for sample in samples:
        drawn = sample["text"].split(" ")
        assert len(drawn) == 12 and set(drawn) <= words, sample
