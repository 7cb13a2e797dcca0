"""Generated tokens/s: the jit-compiled sampler against a Python loop of jitted single steps.

    python benchmarks/bench_sampler.py [--hidden 64 128 512] [--batch 1 8] [--tokens 500]

Same RNNLanguageModel (GRU, the shakespeare_char shape: 67 symbols, embedding 64), same
parameters, same filters (temperature 0.8, top-k 40, top-p 0.95), same machine, one process.
Two Python-loop baselines, each calling a jitted single step per token:
- ``host``: the usual loop (Keras/PyTorch tutorials): jitted model step, logits to numpy, filters
  and the draw in numpy; one device-to-host sync per token.
- ``fused``: the strongest loop: one jitted function per token doing the model step *and* the
  sampling, dispatched asynchronously (no host sync until the end).
Compilation is excluded and the sampler's is reported apart; each figure is the best of
``--repeats`` runs. Goal: >= 20x.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from rnnjax import sampling
from rnnjax.configs import language_model_config
from rnnjax.models import build_model

VOCAB_SIZE = 67  # Tiny Shakespeare's 65 characters + pad + OOV
FILTERS = dict(temperature=0.8, top_k=40, top_p=0.95)


def build(hidden: int):
    """A GRU language model of ``hidden`` units and random parameters (speed ignores training)."""
    config = language_model_config().model
    config.cell, config.hidden_size = "gru", hidden
    model = build_model(config, vocab_size=VOCAB_SIZE, num_classes=None)
    params = model.init(jax.random.key(0), jnp.zeros((1, 2), jnp.int32))["params"]
    return model, params


def best_time(run, repeats: int) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``run`` (which blocks on its result)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def host_loop_sampler(model, params, batch: int, tokens: int):
    """``run()`` with a jitted model step per token and the sampling in numpy on the host."""
    step = jax.jit(lambda params, token, carry: model.apply(
        {"params": params}, token, carry, method="step"))
    temperature, top_k, top_p = FILTERS["temperature"], FILTERS["top_k"], FILTERS["top_p"]
    rng = np.random.default_rng(0)

    def draw(logits: np.ndarray) -> np.ndarray:
        tokens = np.empty(len(logits), np.int32)
        for row, scaled in enumerate(logits.astype(np.float64) / temperature):
            order = np.argsort(-scaled)[:top_k]
            probs = np.exp(scaled[order] - scaled[order[0]])
            probs /= probs.sum()
            size = int(np.searchsorted(np.cumsum(probs), top_p)) + 1
            probs = probs[:size] / probs[:size].sum()
            tokens[row] = order[rng.choice(size, p=probs)]
        return tokens

    def run():
        carry = model.apply({"params": params}, batch, method="initial_carry")
        token, drawn = np.full((batch,), 2, np.int32), []
        for _ in range(tokens):
            logits, carry = step(params, token, carry)
            token = draw(np.asarray(logits))
            drawn.append(token)
        return np.stack(drawn)

    return run


def fused_loop_sampler(model, params, batch: int, tokens: int):
    """``run()`` drawing ``tokens`` tokens per row with one jitted step+sample call per token."""
    settings = {k: jnp.asarray(v) for k, v in FILTERS.items()}

    @jax.jit
    def step(params, token, carry, key, index):
        logits, carry = model.apply({"params": params}, token, carry, method="step")
        key = jax.random.fold_in(key, index)
        return sampling.sample_tokens(key, logits, **settings), carry

    def run():
        carry = model.apply({"params": params}, batch, method="initial_carry")
        token, key, drawn = jnp.full((batch,), 2, jnp.int32), jax.random.key(0), []
        for index in range(tokens):
            token, carry = step(params, token, carry, key, index)
            drawn.append(token)
        return np.asarray(jnp.stack(drawn))

    return run


def jit_sampler(model, params, batch: int, tokens: int):
    """``run()`` drawing the same tokens with rnnjax.sampling (prompt encoding included)."""

    def run():
        return sampling.generate_ids(
            model, params, [[2]] * batch, vocab_size=VOCAB_SIZE, max_tokens=tokens, **FILTERS
        )

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 128, 512])
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{jax.devices()[0].platform}, {args.tokens} tokens per row, filters {FILTERS}")
    print(f"{'hidden':>6} {'batch':>5} {'host loop':>10} {'fused loop':>10} {'rnnjax':>9} "
          f"{'vs host':>8} {'vs fused':>8} {'compile s':>9}   (generated tokens/s)")
    for hidden in args.hidden:
        model, params = build(hidden)
        for batch in args.batch:
            runs = [make(model, params, batch, args.tokens)
                    for make in (host_loop_sampler, fused_loop_sampler, jit_sampler)]
            start = time.perf_counter()
            runs[-1]()  # compiles the sampler
            compile_s = time.perf_counter() - start
            for run in runs[:-1]:
                run()  # compiles the single steps
            host_s, fused_s, jit_s = (best_time(run, args.repeats) for run in runs)
            rate = batch * args.tokens
            print(f"{hidden:>6} {batch:>5} {rate / host_s:>10.0f} {rate / fused_s:>10.0f} "
                  f"{rate / jit_s:>9.0f} {host_s / jit_s:>7.1f}x {fused_s / jit_s:>7.1f}x "
                  f"{compile_s:>9.2f}")


if __name__ == "__main__":
    main()
