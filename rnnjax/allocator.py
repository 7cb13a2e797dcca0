"""Keep XLA:CPU's large per-call buffers in the process heap instead of fresh kernel mappings.

glibc serves every allocation over its mmap threshold (at most 32 MiB) with a new ``mmap`` and
unmaps it on free, and its per-thread arenas cannot hold a block over 64 MiB at all. XLA:CPU
allocates each call's temporaries (62-101 MiB for a bidirectional encoder's gradient at B64 T128)
on its worker threads, so without this every train step page-faults its whole working set
afresh: 16-26k faults and a fifth of the step's time (benchmarks/README.md, "The allocator").
``import rnnjax`` applies it; ``RNNJAX_SYSTEM_MALLOC=1`` opts out. It holds only when rnnjax is
imported before anything starts threads (numpy's BLAS, JAX's backend), as ``python -m rnnjax.*``
does: glibc hands threads that start later the existing arenas in turn, and a thread given an
earlier thread's arena (not the main one) maps its large blocks afresh again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# mallopt(3) parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -4, -8
OPT_OUT = "RNNJAX_SYSTEM_MALLOC"


def keep_freed_memory() -> bool:
    """Serve large blocks from one heap that is never trimmed, so freed buffers are reused
    without faults; True if set (glibc on Linux, not opted out), False where it does not apply.

    One arena, because only the main arena grows past 64 MiB a block; no mmap, so large blocks
    come from that heap; no trimming, so a freed step's buffers stay mapped for the next step.
    The process keeps its peak heap until it exits, which a training or benchmark run does anyway.
    """
    if not sys.platform.startswith("linux") or os.environ.get(OPT_OUT, "") not in ("", "0"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    if not hasattr(libc, "gnu_get_libc_version"):  # another libc (musl): its malloc differs
        return False
    settings = ((_M_ARENA_MAX, 1), (_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, 2**31 - 1))
    return all(libc.mallopt(param, value) == 1 for param, value in settings)
