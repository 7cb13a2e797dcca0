"""Model summary: reference 004's Keras rows and counts, and the CLI end to end."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from configs.newsgroups import get_config
from rnnjax.models import build_model
from rnnjax.models.summary import Row, format_summary, summarize

from conftest import REPO_ROOT


@pytest.mark.parametrize(
    ("variant", "kind", "count"),
    [("maxpool_lstm", "LSTM", 35_800), ("maxpool_gru", "GRU(reset_after=False)", 26_850)],
)
def test_reference_004_rows_match_its_keras_summary(variant, kind, count):
    import jax.numpy as jnp

    config = get_config(variant)
    model = build_model(config.model, vocab_size=config.data.max_words, num_classes=20)
    rows, total = summarize(model, jnp.zeros((1, 100), jnp.int32), jnp.ones((1,), jnp.int32))
    assert rows == [
        Row("embed", "TokenEmbedding", (None, 100, 128), 2_560_000),
        Row("encoder/layer_0", kind, (None, 100, 50), count),
        Row("pooling", "Pooling(max)", (None, 50), 0),
        Row("dropout_0", "Dropout", (None, 50), 0),
        Row("dense_0", "Dense", (None, 50), 2_550),
        Row("dropout_1", "Dropout", (None, 50), 0),
        Row("logits", "Dense", (None, 20), 1_020),
    ]
    assert total == 2_560_000 + count + 2_550 + 1_020
    table = format_summary("TextClassifier", rows, total)
    assert f"encoder/layer_0 ({kind})" in table and f"Total params: {total:,}" in table


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "rnnjax.models", *args]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)


def test_cli_counts_classes_from_the_corpus():
    result = run_cli("summary", "--config", "configs/bbc_news.py:smoke")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == 'Model: "TextClassifier"'
    assert any(line.startswith("logits (Dense)") and "(None, 5)" in line for line in lines)
    assert any(line.startswith("embed (TokenEmbedding)") and "32,000" in line for line in lines)


def test_cli_bad_command_is_one_line_and_exit_2():
    result = run_cli("sumary", "--config", "configs/bbc_news.py")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: expected one command from ('summary',), got ['sumary']"
