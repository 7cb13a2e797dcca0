"""Padded steps and time per epoch with and without length bucketing, on the real corpora.

    RNNJAX_DATA_DIR=... python benchmarks/padding.py [--configs=configs/bbc_news.py,
        configs/newsgroups.py --buckets="none;auto" --epochs=1]

For each corpus config: the share of padded (wasted) time steps in one training epoch's batches,
and the wall time of that epoch through the tf.data pipeline and a jitted Adam step of the
config's model (every batch width compiled before the clock starts), with the share of it spent
waiting for the next batch. ``--buckets`` lists boundary sets separated by ";": "none" pads
every batch to ``max_len``, "config" uses the config's own ``data.bucket_boundaries``, and a
comma list such as "128,192,256" uses those.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Sequence

import jax
import ml_collections
import optax
from absl import app, flags

from rnnjax.data import prepare_classification
from rnnjax.data.pipeline import classification_batches
from rnnjax.models import build_model

_CONFIGS = flags.DEFINE_list(
    "configs", ["configs/bbc_news.py", "configs/newsgroups.py"], "Classification configs."
)
_BUCKETS = flags.DEFINE_string("buckets", "none;config", "Boundary sets, ';'-separated.")
_EPOCHS = flags.DEFINE_integer("epochs", 1, "Timed epochs per boundary set.")


def load_config(path: str) -> ml_collections.ConfigDict:
    """``get_config()`` of the config file at ``path`` (its default variant)."""
    spec = importlib.util.spec_from_file_location("config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(None)


def boundaries(spec: str, config: ml_collections.ConfigDict) -> tuple[int, ...]:
    """The bucket boundaries that ``spec`` names (see the module docstring)."""
    if spec == "none":
        return ()
    if spec == "config":
        return tuple(config.data.bucket_boundaries)
    return tuple(int(b) for b in spec.split(","))


def epoch_batches(config: ml_collections.ConfigDict, split, bounds: tuple, epoch: int):
    """The pipeline's shuffled training batches of ``epoch`` (an iterator of numpy dicts)."""
    d = config.data
    return classification_batches(
        split,
        batch_size=config.train.batch_size,
        max_len=d.max_len,
        padding=d.padding,
        truncating=d.truncating,
        bucket_boundaries=bounds,
        shuffle=True,
        seed=config.train.seed,
        epoch=epoch,
        drop_remainder=True,
    )


def make_step(config: ml_collections.ConfigDict, data) -> tuple:
    """(model, optimizer, jitted Adam step) of the config's classifier."""
    model = build_model(config.model, vocab_size=len(data.vocab), num_classes=len(data.labels))
    tx = optax.adam(config.train.learning_rate)

    def loss_fn(params, batch):
        logits = model.apply(params, batch["tokens"], batch["lengths"])
        losses = optax.softmax_cross_entropy_with_integer_labels(logits, batch["labels"])
        return (losses * batch["weights"]).sum() / batch["weights"].sum()

    @jax.jit
    def step(params, opt, batch):
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        updates, opt = tx.update(grads, opt, params)
        return optax.apply_updates(params, updates), opt, loss

    return model, tx, step


def main(argv: Sequence[str]) -> None:
    del argv
    print("| config | buckets | batches | widths | padded steps | epoch s | waiting for data |")
    print("|---|---|---:|---|---:|---:|---:|")
    for path in _CONFIGS.value:
        config = load_config(path)
        data = prepare_classification(config.data)
        train = data.splits["train"]
        model, tx, step = make_step(config, data)

        for spec in _BUCKETS.value.split(";"):
            bounds = boundaries(spec, config)
            batches = list(epoch_batches(config, train, bounds, 0))
            real = sum(int(b["lengths"].sum()) for b in batches)
            total = sum(b["tokens"].size for b in batches)
            first = batches[0]
            params = model.init(jax.random.key(0), first["tokens"], first["lengths"])
            opt = tx.init(params)
            for width in sorted({b["tokens"].shape[1] for b in batches}):  # compile each shape
                b = next(b for b in batches if b["tokens"].shape[1] == width)
                jax.block_until_ready(step(params, opt, b))
            wait = elapsed = 0.0
            for epoch in range(1, _EPOCHS.value + 1):
                start = time.perf_counter()
                for batch in epoch_batches(config, train, bounds, epoch):
                    got = time.perf_counter()
                    params, opt, loss = step(params, opt, batch)
                    jax.block_until_ready(loss)
                    wait += got - start
                    start = time.perf_counter()
                    elapsed += start - got
            widths = ",".join(map(str, sorted({b["tokens"].shape[1] for b in batches})))
            epochs = _EPOCHS.value
            print(
                f"| {path} | {spec} {list(bounds) or ''} | {len(batches)} | {widths} "
                f"| {1 - real / total:.1%} | {(elapsed + wait) / epochs:.1f} "
                f"| {wait / (elapsed + wait):.1%} |",
                flush=True,
            )


if __name__ == "__main__":
    app.run(main)
