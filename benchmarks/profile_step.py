"""Where a train step's time goes: XLA's profile of rnnjax's train step, op by op, in categories.

    python benchmarks/profile_step.py --config=configs/bbc_news.py [--time=256 --steps=3]
    python benchmarks/profile_step.py --config=configs/newsgroups.py:best --time=128
    python benchmarks/profile_step.py --config=benchmarks/step_setup.py:lstm,2,64 --time=128
    python benchmarks/profile_step.py --config=benchmarks/step_setup.py:gru,1,64 \
        --config.model.dtype=bfloat16                          # any --config.* override
    JAX_NUM_CPU_DEVICES=2 python benchmarks/profile_step.py --config=... --devices=2

Builds the train step ``rnnjax.training.fit`` runs (``compile_train_step`` on one device, or
data-parallel over ``--devices``), from a config file[:variant] with its overrides, as the
commands take it (``benchmarks/step_setup.py:CELL,DIRECTIONS,BATCH`` is the model of
``throughput.py``: Embedding 20000x128 -> LSTM/GRU, H=128 per direction -> max pool -> Dense 4,
Adam 1e-3 without clipping), on full-length batches
of Zipf(1.2) token ids. Times ``--steps`` steps without the profiler, then profiles as many with
``jax.profiler`` and joins every op the trace names with the compiled HLO, to put it in one of:

    loop matmuls        dots inside a time loop (the sequential h @ U, dz @ U^T, per-step x @ W)
    loop elementwise    everything else inside a time loop (gates, selects, slices, copies)
    matmuls             dots outside the loops (hoisted projections, the custom backward's GEMMs)
    embedding + update  ops on a tensor with a vocabulary-sized axis (the table's gradient, its
                        zero fill and scatter, Adam on it)
    collectives         all-reduce and the like (none on one device)
    other               the rest: transposes, reversal gathers, pooling, head, the other params'
                        updates
    waiting             thread-pool waits inside ops

For each: ms per step, share of the profiled op time, ops per step, and for the matmuls the
GFLOP/s they ran at (FLOPs from the HLO's dot shapes). The profiler adds about 10%; ops on the
two threads may overlap, so the categories add up to roughly, not exactly, the step's wall time.
"""

from __future__ import annotations

import collections
import gzip
import json
import re
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import rnnjax  # noqa: F401  (first: rnnjax.allocator)

# isort: split
import jax
import numpy as np
from absl import app, flags
from ml_collections import config_flags
from step_setup import CLASSES, zipf_batch

from rnnjax.models import build_model
from rnnjax.training.parallel import global_batch, make_mesh, replicated_init
from rnnjax.training.state import initial_state_fn
from rnnjax.training.steps import compile_train_step

_CONFIG = config_flags.DEFINE_config_file(
    "config", "configs/bbc_news.py", "Config file[:variant] (benchmarks/step_setup.py:gru,2,64)."
)
_TIME = flags.DEFINE_integer("time", 128, "Time steps T of every batch.")
_STEPS = flags.DEFINE_integer("steps", 3, "Steps timed, then steps profiled.")
_TOP = flags.DEFINE_integer("top", 12, "Ops listed one by one, most time first.")
_DEVICES = flags.DEFINE_integer(
    "devices", 1, "Data-parallel over this many devices (CPU: set JAX_NUM_CPU_DEVICES too)."
)
CATEGORIES = (
    "loop matmuls", "loop elementwise", "matmuls", "embedding + update", "collectives", "other",
    "waiting",
)
WAITS = ("SlinkyThreadPool::Await", "Rendezvous", "Wait: pending")
COLLECTIVE = re.compile(r"(all-reduce|all-gather|reduce-scatter|collective-permute|all-to-all)")


class Hlo:
    """What the compiled HLO text says of each instruction: its computation, shape and FLOPs."""

    def __init__(self, text: str):
        self.computation: dict[str, str] = {}  # instruction -> the computation it is in
        self.shape: dict[str, str] = {}
        self.flops: dict[str, float] = {}  # dots, and fusions by the dots they call
        calls: dict[str, list[str]] = collections.defaultdict(list)
        bodies: set[str] = set()
        dots: dict[str, float] = collections.defaultdict(float)  # per computation
        fusions: list[tuple[str, str]] = []
        current, shapes = "", {}
        for line in text.splitlines():
            header = re.match(r"^(?:ENTRY )?%?([\w.\-]+) \(.*\) -> .* \{$", line)
            if header:
                current, shapes = header.group(1), {}
                continue
            for kind, callee in re.findall(r"\b(calls|body|condition|to_apply)=%([\w.\-]+)", line):
                calls[current].append(callee)
                bodies.update([callee] if kind == "body" else [])
            inst = re.match(r"^\s*(?:ROOT )?%([\w.\-]+) = (\w+\[[\d,]*\])\S* (\w[\w\-]*)\(", line)
            if not inst:
                continue
            name, shape, opcode = inst.groups()
            shapes[name] = shape
            self.computation[name], self.shape[name] = current, shape
            if opcode == "dot":
                self.flops[name] = _dot_flops(line, shape, shapes)
                dots[current] += self.flops[name]
            called = re.search(r"\bcalls=%([\w.\-]+)", line)
            if opcode == "fusion" and called:
                fusions.append((name, called.group(1)))
        for name, called in fusions:
            if dots.get(called):
                self.flops[name] = dots[called]
        self.loop = set(bodies)
        stack = list(bodies)
        while stack:  # computations a loop body calls run in the loop too
            for callee in calls.get(stack.pop(), []):
                if callee not in self.loop:
                    self.loop.add(callee)
                    stack.append(callee)

    def category(self, op: str, vocab: int) -> str:
        """The category of the op the trace calls ``op`` (see the module docstring)."""
        if op.startswith(WAITS):
            return "waiting"
        if COLLECTIVE.match(op):
            return "collectives"
        if op not in self.computation:
            return "other"
        in_loop = self.computation[op] in self.loop
        if self.flops.get(op):
            return "loop matmuls" if in_loop else "matmuls"
        if in_loop:
            return "loop elementwise"
        return "embedding + update" if vocab in _dims(self.shape.get(op, "[]")) else "other"


def _dims(shape: str) -> list[int]:
    """The dimensions of an HLO array shape such as ``f32[64,512]``."""
    return [int(d) for d in shape[shape.index("[") + 1 : -1].split(",") if d]


def _dot_flops(line: str, shape: str, shapes: dict[str, str]) -> float:
    """2 x output elements x contracted size of one ``dot`` instruction."""
    out = np.prod(_dims(shape) or [1])
    lhs = re.search(r"dot\((?:[^%\s]+ )?%([\w.\-]+)", line)
    contracting = re.search(r"lhs_contracting_dims=\{([\d,]*)\}", line)
    if not lhs or not contracting or lhs.group(1) not in shapes:
        return 0.0
    lhs_dims = _dims(shapes[lhs.group(1)])
    size = np.prod([lhs_dims[int(i)] for i in contracting.group(1).split(",") if i] or [1])
    return 2.0 * float(out) * float(size)


def trace_ops(folder: Path, hlo: Hlo) -> list[tuple[str, float]]:
    """(name, duration us) of every op of ``hlo`` (but its loops, which hold other ops) and
    every thread-pool wait in the perfetto trace under ``folder``."""
    path = next(folder.rglob("*.trace.json.gz"))
    events = json.loads(gzip.decompress(path.read_bytes()))["traceEvents"]
    wanted = lambda name: (
        (name in hlo.computation and not name.startswith("while"))
        or name.startswith(WAITS)
        or COLLECTIVE.match(name)
    )
    return [(e["name"], e["dur"]) for e in events if e.get("ph") == "X" and wanted(e["name"])]


def main(argv: Sequence[str]) -> None:
    del argv
    config = _CONFIG.value
    label = config_flags.get_config_filename(flags.FLAGS["config"])
    vocab, rows, time_ = config.data.max_words, config.train.batch_size, _TIME.value
    model = build_model(config.model, vocab_size=vocab, num_classes=CLASSES)
    mesh = make_mesh(jax.devices()[: _DEVICES.value])
    state = replicated_init(initial_state_fn(config, model, "classifier", time_, 100), mesh)
    rng = np.random.default_rng(0)
    batch = lambda: global_batch(zipf_batch(rng, rows, time_, vocab), mesh)
    step = compile_train_step(model, mesh, config.train.label_smoothing)
    compiled = step.lower(state, batch()).compile()
    hlo = Hlo(compiled.as_text())

    def run(count: int) -> list[float]:
        nonlocal state
        times = []
        for data in [batch() for _ in range(count)]:
            start = time.perf_counter()
            state, sums = compiled(state, data)
            jax.block_until_ready(sums)
            times.append(time.perf_counter() - start)
        return times

    run(2)  # warm up
    wall = statistics.median(run(_STEPS.value))
    with tempfile.TemporaryDirectory() as folder:
        with jax.profiler.trace(folder, create_perfetto_trace=True):
            run(_STEPS.value)
        ops = trace_ops(Path(folder), hlo)

    per_step = 1000.0 * _STEPS.value  # us summed over the profiled steps -> ms per step
    total = sum(d for _, d in ops) / per_step
    by_category: dict[str, list] = {c: [0.0, 0, 0.0] for c in CATEGORIES}  # ms, ops, GFLOP
    by_op: dict[str, list] = collections.defaultdict(lambda: [0.0, 0])
    for name, duration in ops:
        category = hlo.category(name, vocab)
        entry = by_category[category]
        entry[0] += duration / per_step
        entry[1] += 1
        entry[2] += hlo.flops.get(name, 0.0) / 1e9
        by_op[name][0] += duration / per_step
        by_op[name][1] += 1
    tokens = rows * time_
    print(f"{label}: B={rows} T={time_} ({tokens:,} tokens), {model.__class__.__name__}, "
          f"{jax.devices()[0].device_kind}")
    print(f"wall {1000 * wall:.1f} ms per step ({tokens / wall:,.0f} tokens/s); profiled op "
          f"time {total:.1f} ms per step\n")
    print("| category | ms per step | share | ops per step | GFLOP/s |")
    print("|---|---:|---:|---:|---:|")
    for category, (ms, count, gflop) in by_category.items():
        rate = f"{gflop / _STEPS.value / (ms / 1000):,.0f}" if gflop and ms else ""
        print(f"| {category} | {ms:.1f} | {ms / total:.0%} | {count / _STEPS.value:,.0f} "
              f"| {rate} |")
    print("\n| op | category | shape | ms per step | calls per step |")
    print("|---|---|---|---:|---:|")
    ranked = sorted(by_op.items(), key=lambda item: -item[1][0])[: _TOP.value]
    for name, (ms, count) in ranked:
        shape = hlo.shape.get(name, "")
        print(f"| {name} | {hlo.category(name, vocab)} | {shape} | {ms:.2f} "
              f"| {count / _STEPS.value:,.0f} |")


if __name__ == "__main__":
    app.run(main)
