"""Which recurrence runs a layer: ``kernel = "scan" | "pallas" | "auto"``.

"auto" picks the Pallas kernels on a GPU where the layer fits on chip and the scan elsewhere
(so the CPU default stays the scan); "pallas" on a CPU runs the kernels in Pallas interpret
mode (slow; for tests). A layer the kernels cannot hold falls back to the scan with a warning.
"""

from __future__ import annotations

import warnings
from typing import Any

import jax
import numpy as np

from rnnjax.models.cells import Cell

KERNELS = ("scan", "pallas", "auto")
# Shared memory one GPU block may use (H100/H200: 227 KiB): the recurrent weights and the
# step's working set must fit there for the weights to stay on chip for all T steps.
ON_CHIP_BYTES = 227 * 1024
MIN_GPU_DIM = 16  # Triton's smallest matmul dimension


def unfit_reason(cell: Cell, batch: int, hidden: int, dtype: Any, platform: str) -> str | None:
    """Why the kernels cannot hold a layer of this shape on ``platform``; None if they can."""
    width = cell.num_gates * hidden
    weights = hidden * width * np.dtype(dtype).itemsize
    working = batch * (width + 3 * hidden) * 4  # float32 gates, carry and output per step
    if weights + working > ON_CHIP_BYTES:
        return f"U {hidden}x{width} and a {batch}-row step need {weights + working} B on chip"
    if platform == "gpu" and cell.num_gates > 1:
        # the LSTM/GRU steps concatenate gates (Triton joins only [..., 1] arrays) and GRU's 3H
        # gates are no power of two; only the plain RNN's forward and backward lower for Triton
        return f"{type(cell).__name__}'s step does not lower for Pallas Triton yet"
    if platform == "gpu":
        for name, size in {"batch": batch, "hidden": hidden}.items():
            if size < MIN_GPU_DIM or size & (size - 1):
                return f"{name}={size} is not a power of two >= {MIN_GPU_DIM} (Triton blocks)"
    return None


def resolve(kernel: str, cell: Cell, batch: int, hidden: int, dtype: Any) -> str:
    """ "scan" or "pallas" for ``kernel`` on the default backend (warns when "pallas" cannot
    hold the layer and the scan runs instead)."""
    platform = jax.default_backend()
    if kernel == "scan" or (kernel == "auto" and platform != "gpu"):
        return "scan"
    reason = unfit_reason(cell, batch, hidden, dtype, platform)
    if reason is None:
        return "pallas"
    if kernel == "pallas":
        warnings.warn(f"kernel='pallas' falls back to the scan: {reason}", stacklevel=2)
    return "scan"


def interpret_mode() -> bool:
    """Pallas interpret mode everywhere but on GPUs (the kernels are written for GPUs)."""
    return jax.default_backend() != "gpu"
