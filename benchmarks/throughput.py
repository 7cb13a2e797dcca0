"""Training throughput of one recurrent text classifier in rnnjax, Flax nn.RNN, PyTorch and Keras 3.

    python benchmarks/throughput.py [--shapes=64x128,256x64 --cells=lstm,gru --directions=1,2
        --impls=rnnjax,rnnjax-autodiff,flax,torch,keras-tensorflow,keras-jax --rounds=5 --steps=3
        --variant="unroll=2" --variant="--xla_cpu_use_xnnpack=false" --json=results.json]

The model is the same everywhere: Embedding(20000, 128) -> LSTM/GRU (H=128 per direction, all
steps) -> global max pool over time -> Dense(4) -> softmax cross-entropy -> Adam(1e-3), one step on
a fresh random batch of full-length rows (B, T). Also the encoder alone (E=128 inputs): forward,
and forward+backward (gradient of its summed outputs with respect to its parameters).

Each implementation runs in its own process (its own threads, its own peak memory); the parent
interleaves rounds over them, rotating the order each round, so load from other work on the
machine spreads over all of them. Reported: median tokens/s over every timed step, the spread
(min-max of the per-round medians), compile (or first-step) time, peak RSS of the process, and
the ratio to Flax nn.RNN and to PyTorch. Implementations that are not installed are skipped
(PyTorch and Keras come with the optional ``bench`` extra).

rnnjax's train step is the one ``rnnjax.training.fit`` runs (``compile_train_step`` on one
device, params and Adam state donated); Flax nn.RNN's is one jitted, donated step as its users
write it.

Each ``--variant`` adds one more rnnjax implementation, ``rnnjax[TOKENS]``: space-separated
tokens, each an XLA flag (``--xla_...``, appended to XLA_FLAGS in that process only), a ``model``
config key of the encoder (``unroll=2``, ``projection=sequence``, ``backward=custom``,
``dtype=bfloat16``) or ``malloc=system`` (glibc's malloc left as it is:
``RNNJAX_SYSTEM_MALLOC=1``, rnnjax.allocator). Flax nn.RNN runs with glibc's malloc as it is,
as its users run it. (``embedding=frozen`` and ``donate=false``, measured in benchmarks/README.md,
were variants of this script's own train step up to commit 5876d90.)
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing as mp
import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from absl import app, flags
from step_setup import CLASSES, EMBED, HIDDEN, VOCAB, benchmark_config

_SHAPES = flags.DEFINE_list("shapes", ["64x128", "256x64"], "Batch x time shapes.")
_CELLS = flags.DEFINE_list("cells", ["lstm", "gru"], "Cells.")
_DIRECTIONS = flags.DEFINE_list("directions", ["1", "2"], "Direction counts.")
_IMPLS = flags.DEFINE_list(
    "impls",
    ["rnnjax", "rnnjax-autodiff", "flax", "torch", "keras-tensorflow", "keras-jax"],
    "Implementations to time (missing frameworks are skipped).",
)
_PARTS = flags.DEFINE_list("parts", ["train", "forward", "backward"], "What to time.")
_ROUNDS = flags.DEFINE_integer("rounds", 5, "Interleaved rounds.")
_STEPS = flags.DEFINE_integer("steps", 3, "Timed steps per implementation and part per round.")
_THREADS = flags.DEFINE_integer("threads", 2, "Intra-op threads for PyTorch and TensorFlow.")
_JSON = flags.DEFINE_string("json", None, "Also write every measurement to this JSON file.")
_VARIANTS = flags.DEFINE_multi_string(
    "variant", [], "An extra rnnjax implementation: XLA flags and options (module docstring)."
)

FRAMEWORK = {"torch": "torch", "keras-tensorflow": "keras", "keras-jax": "keras"}
Step = Callable[[Any], None]


def random_batch(rng: Any, batch: int, time_: int) -> dict:
    """A fresh batch: int32 tokens [B, T] (no padding), lengths [B] = T, labels [B], weights
    [B] = 1 (rnnjax's train step reads them), and the encoder's own inputs x float[B, T, E]."""
    import numpy as np

    return {
        "tokens": rng.integers(1, VOCAB, (batch, time_), dtype=np.int32),
        "lengths": np.full(batch, time_, np.int32),
        "labels": rng.integers(0, CLASSES, batch, dtype=np.int32),
        "weights": np.ones(batch, np.float32),
        "x": rng.standard_normal((batch, time_, EMBED), dtype=np.float32),
    }


def variant_options(impl: str) -> tuple[list[str], dict[str, Any]]:
    """(XLA flags, options) of a variant impl ``rnnjax[TOKENS]``; ([], {}) for any other impl."""
    tokens = impl.removeprefix("rnnjax[").removesuffix("]").split() if "[" in impl else []
    xla = [t for t in tokens if t.startswith("--")]
    pairs = (t.split("=", 1) for t in tokens if not t.startswith("--"))
    return xla, {k: int(v) if v.isdigit() else v for k, v in pairs}


def _encoder_parts(encode: Callable, params: Any) -> dict[str, Step]:
    """Jitted forward and forward+backward (gradient of the summed outputs) of an encoder."""
    import jax
    import jax.numpy as jnp

    forward = jax.jit(lambda v, b: encode(v, b["x"], b["lengths"]))
    backward = jax.jit(jax.grad(lambda v, b: jnp.sum(encode(v, b["x"], b["lengths"]))))
    return {
        "forward": lambda b: jax.block_until_ready(forward(params, b)),
        "backward": lambda b: jax.block_until_ready(backward(params, b)),
    }


def build_rnnjax(impl: str, cell: str, dirs: int, batch: int, time_: int) -> dict[str, Step]:
    """rnnjax (or a variant of it, ``variant_options``): the train step ``rnnjax.training.fit``
    runs (``compile_train_step`` on one device: the params and Adam state donated), and the
    encoder alone."""
    import jax
    import numpy as np

    from rnnjax.models.build import build_model, encoder_from_config
    from rnnjax.training.parallel import global_batch, make_mesh, replicated_init
    from rnnjax.training.state import initial_state_fn
    from rnnjax.training.steps import compile_train_step

    options = variant_options(impl)[1]
    options.pop("malloc", None)  # applied by the worker, before JAX starts
    options.setdefault("backward", "autodiff" if impl == "rnnjax-autodiff" else "auto")
    config = benchmark_config(cell, dirs, batch, options)
    model = build_model(config.model, vocab_size=VOCAB, num_classes=CLASSES)
    mesh = make_mesh(jax.devices()[:1])
    sample = random_batch(np.random.default_rng(0), batch, time_)
    state = replicated_init(initial_state_fn(config, model, "classifier", time_, 100), mesh)
    fit_batch = lambda b: global_batch({k: v for k, v in b.items() if k != "x"}, mesh)
    start = time.perf_counter()
    train = compile_train_step(model, mesh).lower(state, fit_batch(sample)).compile()
    compile_s = {"train": time.perf_counter() - start}

    def run_train(b):
        nonlocal state
        state, sums = train(state, fit_batch(b))
        jax.block_until_ready(sums)

    encoder = encoder_from_config(config.model)
    params = encoder.init(jax.random.key(1), sample["x"], sample["lengths"])
    parts = _encoder_parts(lambda v, x, lengths: encoder.apply(v, x, lengths)[0], params)
    return {"train": run_train, **parts, "compile_s": compile_s}


def build_flax(cell: str, dirs: int, batch: int, time_: int) -> dict[str, Step]:
    """Flax nn.RNN as its users write it: the same model, Adam, one jitted (donated) step."""
    import flax.linen as nn
    import jax
    import numpy as np
    import optax

    make = lambda: nn.RNN(nn.OptimizedLSTMCell(HIDDEN) if cell == "lstm" else nn.GRUCell(HIDDEN))

    class Classifier(nn.Module):
        @nn.compact
        def __call__(self, tokens, lengths):
            x = nn.Embed(VOCAB, EMBED)(tokens)
            rnn = nn.Bidirectional(make(), make()) if dirs == 2 else make()
            return nn.Dense(CLASSES)(rnn(x, seq_lengths=lengths).max(axis=1))

    model, layer = Classifier(), nn.Bidirectional(make(), make()) if dirs == 2 else make()
    sample = random_batch(np.random.default_rng(0), batch, time_)
    params = model.init(jax.random.key(0), sample["tokens"], sample["lengths"])
    tx = optax.adam(1e-3)

    def loss_fn(p, b):
        logits = model.apply(p, b["tokens"], b["lengths"])
        return optax.softmax_cross_entropy_with_integer_labels(logits, b["labels"]).mean()

    def train(p, opt, b):
        loss, grads = jax.value_and_grad(loss_fn)(p, b)
        updates, opt = tx.update(grads, opt, p)
        return optax.apply_updates(p, updates), opt, loss

    state = {"params": params, "opt": tx.init(params)}
    start = time.perf_counter()
    step = jax.jit(train, donate_argnums=(0, 1)).lower(state["params"], state["opt"], sample)
    step = step.compile()
    compile_s = {"train": time.perf_counter() - start}

    def run_train(b):
        state["params"], state["opt"], loss = step(state["params"], state["opt"], b)
        jax.block_until_ready(loss)

    encoder_params = layer.init(jax.random.key(1), sample["x"], seq_lengths=sample["lengths"])
    encode = lambda v, x, lengths: layer.apply(v, x, seq_lengths=lengths)
    return {"train": run_train, **_encoder_parts(encode, encoder_params), "compile_s": compile_s}


def build_torch(cell: str, dirs: int, threads: int) -> dict[str, Step]:
    """Eager PyTorch: nn.LSTM / nn.GRU (batch_first), the same classifier and Adam.

    OpenMP threads sleep when idle (OMP_WAIT_POLICY=PASSIVE): on a shared, oversubscribed
    machine spinning ones made PyTorch 4-10x slower than this.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rnn_cls = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    make_rnn = lambda: rnn_cls(EMBED, HIDDEN, batch_first=True, bidirectional=dirs == 2)
    embed, rnn, dense = (
        torch.nn.Embedding(VOCAB, EMBED),
        make_rnn(),
        torch.nn.Linear(dirs * HIDDEN, CLASSES),
    )
    params = [*embed.parameters(), *rnn.parameters(), *dense.parameters()]
    optimizer = torch.optim.Adam(params, lr=1e-3)
    encoder = make_rnn()

    def train(b):
        optimizer.zero_grad()
        out, _ = rnn(embed(torch.from_numpy(b["tokens"]).long()))
        loss = torch.nn.functional.cross_entropy(
            dense(out.amax(dim=1)), torch.from_numpy(b["labels"]).long()
        )
        loss.backward()
        optimizer.step()

    def forward(b):
        with torch.no_grad():
            encoder(torch.from_numpy(b["x"]))

    def backward(b):
        encoder.zero_grad()
        encoder(torch.from_numpy(b["x"]))[0].sum().backward()

    return {"train": train, "forward": forward, "backward": backward, "compile_s": {}}


def build_keras(backend: str, cell: str, dirs: int, time_: int, threads: int) -> dict[str, Step]:
    """Keras 3 ``train_on_batch`` of the same classifier on ``backend`` (its default jit)."""
    os.environ["KERAS_BACKEND"] = backend
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
    import keras

    layer = (keras.layers.LSTM if cell == "lstm" else keras.layers.GRU)(
        HIDDEN, return_sequences=True
    )
    model = keras.Sequential(
        [
            keras.Input((time_,), dtype="int32"),
            keras.layers.Embedding(VOCAB, EMBED),
            keras.layers.Bidirectional(layer) if dirs == 2 else layer,
            keras.layers.GlobalMaxPooling1D(),
            keras.layers.Dense(CLASSES),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return {"train": lambda b: model.train_on_batch(b["tokens"], b["labels"]), "compile_s": {}}


def build(impl: str, cell: str, dirs: int, batch: int, time_: int, threads: int) -> dict:
    """The step functions of ``impl`` (each runs one step on a batch and waits for it)."""
    if impl == "torch":
        return build_torch(cell, dirs, threads)
    if impl.startswith("keras-"):
        return build_keras(impl.removeprefix("keras-"), cell, dirs, time_, threads)
    if impl == "flax":
        return build_flax(cell, dirs, batch, time_)
    return build_rnnjax(impl, cell, dirs, batch, time_)


def worker(conn: Any, impl: str, shape: tuple, parts: Sequence[str], threads: int) -> None:
    """One implementation in its own process: builds, then times steps on request."""
    cell, dirs, batch, time_ = shape
    xla = variant_options(impl)[0]
    os.environ["XLA_FLAGS"] = " ".join([os.environ.get("XLA_FLAGS", ""), *xla]).strip()
    if impl == "flax" or variant_options(impl)[1].get("malloc") == "system":
        os.environ["RNNJAX_SYSTEM_MALLOC"] = "1"
    import rnnjax  # noqa: F401  (before numpy starts BLAS threads: rnnjax.allocator)

    # isort: split
    import numpy as np

    rng = np.random.default_rng(1)
    steps = build(impl, cell, dirs, batch, time_, threads)
    first = {}
    for part in parts:
        if part in steps:
            start = time.perf_counter()
            steps[part](random_batch(rng, batch, time_))  # JAX: compiled already; others: warm-up
            first[part] = steps["compile_s"].get(part, 0.0) + time.perf_counter() - start
    conn.send(first)
    while (request := conn.recv()) is not None:
        part, count = request
        times = []
        for _ in range(count):
            b = random_batch(rng, batch, time_)
            start = time.perf_counter()
            steps[part](b)
            times.append(time.perf_counter() - start)
        conn.send(times)
    conn.send(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def receive(proc: Any, conn: Any) -> Any:
    """The worker's next message; RuntimeError if it died instead (its traceback is on stderr)."""
    while not conn.poll(1.0):
        if not proc.is_alive():
            raise RuntimeError(f"benchmark worker {proc.name} exited with code {proc.exitcode}")
    return conn.recv()


def available(impl: str) -> bool:
    module = FRAMEWORK.get(impl)
    return module is None or importlib.util.find_spec(module) is not None


def measure(cell: str, dirs: int, batch: int, time_: int, impls: Sequence[str]) -> list[dict]:
    """Interleaved rounds over one process per implementation; one result dict per (impl, part)."""
    ctx = mp.get_context("spawn")
    procs = {}
    for impl in impls:
        parent, child = ctx.Pipe()
        shape = (cell, dirs, batch, time_)
        args = (child, impl, shape, _PARTS.value, _THREADS.value)
        proc = ctx.Process(target=worker, args=args)
        proc.start()
        # one at a time, so compile times are undisturbed by the other workers
        procs[impl] = (proc, parent, receive(proc, parent))
    rounds: dict[tuple[str, str], list[list[float]]] = {}
    for index in range(_ROUNDS.value):
        order = list(impls[index % len(impls) :]) + list(impls[: index % len(impls)])
        for impl in order:
            proc, conn, first = procs[impl]
            for part in first:
                conn.send((part, _STEPS.value))
                rounds.setdefault((impl, part), []).append(receive(proc, conn))
    results = []
    for impl, (proc, conn, first) in procs.items():
        conn.send(None)
        peak = receive(proc, conn)
        proc.join()
        for part in first:
            per_round = [statistics.median(r) for r in rounds[(impl, part)]]
            all_steps = [t for r in rounds[(impl, part)] for t in r]
            tokens = batch * time_
            results.append(
                {
                    "impl": impl,
                    "part": part,
                    "cell": cell,
                    "directions": dirs,
                    "batch": batch,
                    "time": time_,
                    "tokens_per_s": tokens / statistics.median(all_steps),
                    "spread": [tokens / max(per_round), tokens / min(per_round)],
                    "first_step_s": first[part],
                    "peak_rss_mib": peak,
                }
            )
    return results


def _ratio(row: dict, rows: dict, impl: str) -> str:
    """``row``'s tokens/s over ``impl``'s at the same shape and part ("-" when not measured)."""
    other = rows.get((row["cell"], row["directions"], row["batch"], row["part"], impl))
    return f"{row['tokens_per_s'] / other['tokens_per_s']:.2f}" if other else "-"


def table(results: list[dict]) -> str:
    """Markdown: one row per measurement, with ratios to Flax nn.RNN and PyTorch."""
    rows = {(r["cell"], r["directions"], r["batch"], r["part"], r["impl"]): r for r in results}
    lines = [
        "| part | cell | dirs | B x T | impl | tokens/s | spread (round medians) "
        "| x Flax | x PyTorch | compile / first step s | peak RSS MiB |",
        "|---|---|---:|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        low, high = r["spread"]
        lines.append(
            f"| {r['part']} | {r['cell']} | {r['directions']} | {r['batch']}x{r['time']} "
            f"| {r['impl']} | {r['tokens_per_s']:,.0f} | {low:,.0f}-{high:,.0f} "
            f"| {_ratio(r, rows, 'flax')} | {_ratio(r, rows, 'torch')} "
            f"| {r['first_step_s']:.1f} | {r['peak_rss_mib']:,.0f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> None:
    del argv
    impls = [i for i in _IMPLS.value if available(i)]
    impls += [f"rnnjax[{v}]" for v in _VARIANTS.value]
    skipped = sorted(set(_IMPLS.value) - set(impls))
    if skipped:
        print(f"skipped (not installed): {', '.join(skipped)}")
    results = []
    for shape in _SHAPES.value:
        batch, time_ = map(int, shape.split("x"))
        for cell in _CELLS.value:
            for dirs in map(int, _DIRECTIONS.value):
                measured = measure(cell, dirs, batch, time_, impls)
                print(table(measured), flush=True)
                results += measured
    print("\n" + table(results))
    if _JSON.value:
        with open(_JSON.value, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    app.run(main)
