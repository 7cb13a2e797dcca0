"""A config's train step with ``projection="sequence"`` and ``"step"``, in one process.

    python benchmarks/projection.py --config=configs/newsgroups.py:best [--time=256
        --members=1 --embed_dim=64 --hidden_size=64 --steps=8]

Builds the config's model (``--members``, ``--embed_dim``, ``--hidden_size`` override its
ensemble size and sizes), compiles rnnjax's train step once per projection mode, then times
``--steps`` alternating steps of each on fresh full-length batches of Zipf(1.2) token ids (a
word-frequency-like spread over the config's vocabulary, so the embedding update touches as
many rows as real text would). Prints the median ms of each and their ratio.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import jax
import numpy as np
from absl import app, flags
from step_setup import CLASSES, zipf_batch

from rnnjax.cli import load_config
from rnnjax.models import build_model
from rnnjax.training.parallel import global_batch, make_mesh, replicated_init
from rnnjax.training.state import initial_state_fn
from rnnjax.training.steps import compile_train_step

_CONFIG = flags.DEFINE_string("config", "configs/bbc_news.py", "Config file[:variant].")
_TIME = flags.DEFINE_integer("time", 256, "Time steps T of every batch.")
_MEMBERS = flags.DEFINE_integer("members", 0, "Ensemble size (0 = the config's).")
_EMBED = flags.DEFINE_integer("embed_dim", 0, "Embedding width E (0 = the config's).")
_HIDDEN = flags.DEFINE_integer("hidden_size", 0, "Hidden units H (0 = the config's).")
_STEPS = flags.DEFINE_integer("steps", 8, "Alternating timed steps per mode.")
MODES = ("sequence", "step")


def main(argv: Sequence[str]) -> None:
    del argv
    mesh = make_mesh(jax.devices()[:1])
    rng = np.random.default_rng(0)
    steps, states = {}, {}
    for mode in MODES:
        config = load_config(_CONFIG.value)
        model_cfg = config.model
        model_cfg.projection = mode
        model_cfg.ensemble_size = _MEMBERS.value or model_cfg.ensemble_size
        model_cfg.embed_dim = _EMBED.value or model_cfg.embed_dim
        model_cfg.hidden_size = _HIDDEN.value or model_cfg.hidden_size
        vocab, rows = config.data.max_words, config.train.batch_size
        model = build_model(model_cfg, vocab_size=vocab, num_classes=CLASSES)
        init = initial_state_fn(config, model, "classifier", _TIME.value, 100)
        states[mode] = replicated_init(init, mesh)
        steps[mode] = compile_train_step(model, mesh)

    batch = lambda: global_batch(zipf_batch(rng, rows, _TIME.value, vocab), mesh)

    times = {mode: [] for mode in MODES}
    for index in range(_STEPS.value + 1):  # the first step of each is not timed
        for mode in MODES:
            data = batch()
            start = time.perf_counter()
            states[mode], sums = steps[mode](states[mode], data)
            jax.block_until_ready(sums)
            if index:
                times[mode].append(time.perf_counter() - start)
    ms = {mode: 1000 * float(np.median(v)) for mode, v in times.items()}
    print(f"{_CONFIG.value} T={_TIME.value} members={model_cfg.ensemble_size} "
          f"E={model_cfg.embed_dim} H={model_cfg.hidden_size}: sequence {ms['sequence']:.1f} ms, "
          f"step {ms['step']:.1f} ms (step / sequence time {ms['step'] / ms['sequence']:.2f})")


if __name__ == "__main__":
    app.run(main)
