"""End to end: train configs/shakespeare_char.py:smoke, then sample from its workdir with
``python -m rnnjax.sample`` and with the Python API on the real RNNLanguageModel."""

from __future__ import annotations

import json

import jax.numpy as jnp
import numpy as np
import pytest
from train_helpers import run_module

from rnnjax import sampling
from rnnjax.training import restore

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A smoke-trained character-level model (a few seconds of training)."""
    path = tmp_path_factory.mktemp("shakes") / "run"
    done = run_module(
        "rnnjax.train", "--config", "configs/shakespeare_char.py:smoke", "--workdir", str(path)
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return path


SETTINGS = dict(max_tokens=40, temperature=0.8, top_k=40, top_p=0.95, seed=0)


def test_cli_json_samples_every_prompt_like_the_python_api(workdir):
    prompts = ["ROMEO:", "", "Zoë€ says"]  # the last has characters outside the vocabulary
    flags = [f"--{name}={value}" for name, value in SETTINGS.items()]
    done = run_module(
        "rnnjax.sample", "--workdir", str(workdir), *[f"--prompt={p}" for p in prompts],
        "--num_samples=2", *flags, "--json",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    samples = json.loads(done.stdout)
    assert [s["prompt"] for s in samples] == [p for p in prompts for _ in range(2)]
    restored = restore(workdir)
    alphabet = set("".join(restored.vocab.tokens[2:]))
    for s in samples:
        assert len(s["text"]) == SETTINGS["max_tokens"] and set(s["text"]) <= alphabet
    api = sampling.sample(
        restored.model, restored.params, restored.vocab, prompts,
        data_config=restored.config.data, num_samples=2, **SETTINGS,
    )
    assert [s.text for s in api] == [s["text"] for s in samples]


def test_same_seed_same_text_other_seed_other_text(workdir):
    restored = restore(workdir)

    def texts(seed: int) -> list[str]:
        settings = dict(SETTINGS, seed=seed)
        samples = sampling.sample(
            restored.model, restored.params, restored.vocab, "ROMEO:",
            data_config=restored.config.data, num_samples=3, **settings,
        )
        return [s.text for s in samples]

    first = texts(0)
    assert texts(0) == first
    assert texts(1) != first
    assert len(set(first)) == 3


def test_greedy_tokens_are_the_argmax_of_the_real_model_on_the_whole_text(workdir):
    """Prompt encoding and step-by-step generation agree with one sequence call of the model."""
    restored = restore(workdir)
    model, params, vocab = restored.model, restored.params, restored.vocab
    (greedy,) = sampling.sample(
        model, params, vocab, "ROMEO:", data_config=restored.config.data, max_tokens=20,
        temperature=0.0,
    )
    prompt, drawn = vocab.encode("ROMEO:"), vocab.encode(greedy.text)
    logits, _ = model.apply({"params": params}, jnp.asarray([prompt + drawn[:-1]]))
    logits = np.asarray(logits[0, len(prompt) - 1 :]).copy()
    logits[:, [vocab.pad_id, vocab.oov_id]] = -np.inf
    assert np.argmax(logits, axis=-1).tolist() == drawn


@pytest.mark.parametrize(
    ("flag", "named"),
    [("--temperature=-1", "temperature"), ("--top_p=1.5", "top_p"), ("--top_k=-2", "top_k")],
)
def test_bad_arguments_give_one_line_errors(workdir, flag, named):
    done = run_module("rnnjax.sample", "--workdir", str(workdir), flag)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], done.stderr


def test_workdir_without_checkpoint_gives_one_line_error(tmp_path):
    done = run_module("rnnjax.sample", "--workdir", str(tmp_path / "missing"))
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "train" in errors[0], done.stderr
    assert "Traceback" not in done.stderr
