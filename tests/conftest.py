"""Shared test fixtures: the data directory, quiet TensorFlow, CPU-only JAX."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# Numerics tests compare against float32 references: full-precision matmuls on any accelerator
# (GPUs default to TF32 or reassociated reductions that miss a 1e-5 tolerance).
os.environ.setdefault("JAX_DEFAULT_MATMUL_PRECISION", "highest")
# Tests compile many small programs once each: cheap XLA passes halve the suite's compile time
# without changing what is computed.
os.environ.setdefault(
    "XLA_FLAGS", "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
)

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real corpora, found through RNNJAX_DATA_DIR (CI points it at ../shared/data)."""
    value = os.environ.get("RNNJAX_DATA_DIR")
    if not value or not Path(value).is_dir():
        pytest.fail(
            "RNNJAX_DATA_DIR must name the corpora folder, e.g. "
            "RNNJAX_DATA_DIR=../shared/data NLTK_DATA=../shared/data/nltk_data pytest"
        )
    return Path(value)
