"""rnnjax.allocator: with it, a repeated call reuses XLA's large buffers without page faults."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from rnnjax.allocator import OPT_OUT

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the setting is glibc's malloc's"
)

# A bidirectional GRU's gradient at B64 T128 H128: about 85 MiB of XLA temporaries a call, more
# than glibc's per-thread arenas hold, so only the allocator setting keeps them in the heap.
# rnnjax first, as `python -m rnnjax.train` imports it: before numpy's BLAS threads have arenas.
# The median of five calls: on a busy machine about one call in six still maps its buffers afresh
# (an allocation order that leaves no free block large enough), the others fault nothing.
PROBE = """
import rnnjax
import json, resource
import jax, jax.numpy as jnp
from rnnjax.allocator import keep_freed_memory
from rnnjax.models import RecurrentEncoder

x = jax.random.normal(jax.random.key(0), (64, 128, 128))
lengths = jnp.full((64,), 128, jnp.int32)
encoder = RecurrentEncoder(cell="gru", hidden_size=128, bidirectional=True, backward="autodiff")
params = encoder.init(jax.random.key(1), x, lengths)
grad = jax.jit(jax.grad(lambda p: jnp.sum(encoder.apply(p, x, lengths)[0])))
compiled = grad.lower(params).compile()
for _ in range(2):
    jax.block_until_ready(compiled(params))
faults = []
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    jax.block_until_ready(compiled(params))
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(json.dumps({
    "applied": keep_freed_memory(),
    "temp_mib": compiled.memory_analysis().temp_size_in_bytes / 2**20,
    "faults": sorted(faults)[2],  # the median call's
}))
"""


def probe(opt_out: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != OPT_OUT}
    if opt_out:
        env[OPT_OUT] = "1"
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_repeated_call_reuses_buffers_without_faults():
    result = probe(opt_out=False)
    assert result["applied"]
    assert result["temp_mib"] > 64  # the case the setting is for
    pages = result["temp_mib"] * 2**20 / 4096
    assert result["faults"] < 0.05 * pages, result


def test_opt_out_leaves_glibc_as_it_is():
    result = probe(opt_out=True)
    assert not result["applied"]
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if thp.exists() and "[always]" in thp.read_text():
        pytest.skip("huge pages for every mapping: fresh buffers fault 512x less")
    pages = result["temp_mib"] * 2**20 / 4096
    assert result["faults"] > 0.5 * pages, result  # each call maps its temporaries afresh
