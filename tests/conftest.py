"""Shared test fixtures: the tiny and the real data directories, no network, quiet TensorFlow,
CPU-only JAX.

Every test runs on a fresh machine: the corpora it reads are the tiny ones the session writes
(tests/tiny_corpora.py). Tests of the real corpora ask for ``real_data_dir`` and are skipped,
with the reason, unless RNNJAX_DATA_DIR names them.
"""

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

import shutil
import socket
import tempfile

import pytest
from tiny_corpora import write_data_dir

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    """One JAX compilation cache for every session in this checkout (this process, the xdist
    workers, every CLI subprocess, which inherit the environment; kept in pytest's cache folder
    between runs): the suite runs the same small programs in many processes, and a rerun (CI
    runs the suite twice) compiles almost nothing. JAX keys each entry by the program, the
    compile options and the JAX version, so a changed program never reads a stale one;
    ``pytest --cache-clear`` empties it."""
    if "JAX_COMPILATION_CACHE_DIR" in os.environ:
        return
    if config.pluginmanager.hasplugin("cacheprovider"):
        folder = str(config.cache.mkdir("jax_compilation_cache"))
    else:  # -p no:cacheprovider: a cache for this session only
        folder = tempfile.mkdtemp(prefix="rnnjax-test-jax-")
        os.environ["RNNJAX_TEST_OWNS_JAX_CACHE"] = "1"
    os.environ["JAX_COMPILATION_CACHE_DIR"] = folder
    os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    os.environ["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"


def pytest_unconfigure(config):
    if os.environ.get("RNNJAX_TEST_OWNS_JAX_CACHE") and "PYTEST_XDIST_WORKER" not in os.environ:
        shutil.rmtree(os.environ.pop("JAX_COMPILATION_CACHE_DIR"), ignore_errors=True)


# The real corpora, when the caller pointed RNNJAX_DATA_DIR at them (CI does: ../shared/data).
# Read before the session points RNNJAX_DATA_DIR at the tiny corpora below.
REAL_DATA_DIR = os.environ.get("RNNJAX_DATA_DIR", "")
NO_REAL_DATA = (
    "needs the real corpora: set RNNJAX_DATA_DIR (and NLTK_DATA) to the data folder, "
    "e.g. RNNJAX_DATA_DIR=../shared/data NLTK_DATA=../shared/data/nltk_data"
)


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real corpora (exact counts, end-to-end runs on real data); skipped without them."""
    if not REAL_DATA_DIR or not Path(REAL_DATA_DIR).is_dir():
        pytest.skip(NO_REAL_DATA)
    return Path(REAL_DATA_DIR)


@pytest.fixture(scope="session", autouse=True)
def tiny_data_dir(tmp_path_factory) -> Path:
    """Small corpora in every loader's on-disk format (tests/tiny_corpora.py), written once per
    session; ``RNNJAX_DATA_DIR`` names them for the whole session, so every config, CLI run
    and notebook finds its corpus there, as a user's would in their data folder."""
    root = write_data_dir(tmp_path_factory.mktemp("tiny_data"))
    os.environ["RNNJAX_DATA_DIR"] = str(root)
    yield root
    if REAL_DATA_DIR:
        os.environ["RNNJAX_DATA_DIR"] = REAL_DATA_DIR
    else:
        os.environ.pop("RNNJAX_DATA_DIR", None)


_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "", None)
_real_getaddrinfo = socket.getaddrinfo


def _local_only_getaddrinfo(host, *args, **kwargs):
    if host not in _LOCAL_HOSTS:
        raise OSError(f"tests do not use the network (looked up {host!r})")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Name lookups of other hosts fail at once, whether this machine's DNS answers, fails or
    hangs, so no test can come to depend on the network (subprocesses get no data to fetch:
    their corpora are all in the data folder)."""
    monkeypatch.setattr(socket, "getaddrinfo", _local_only_getaddrinfo)
