"""rnnjax.compilation_cache: a command's compiled steps are loaded, not compiled, by the next."""

from __future__ import annotations

import subprocess
import sys

import pytest
from train_helpers import REPO_ROOT, SMOKE, cli_env

# the test session's own cache (conftest.py) is set through JAX: these runs must not see it
JAX_CACHE_SETTINGS = (
    "JAX_COMPILATION_CACHE_DIR",
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES",
)


def _env(**extra: str) -> dict[str, str]:
    env = cli_env()
    for name in (*JAX_CACHE_SETTINGS, "RNNJAX_COMPILATION_CACHE"):
        env.pop(name, None)
    return {**env, **extra}


def _train(workdir, **env: str) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "rnnjax.train", *SMOKE, "--config.train.epochs=1"]
    run = subprocess.run(
        [*args, "--workdir", str(workdir)], cwd=REPO_ROOT, capture_output=True, text=True,
        env=_env(JAX_DEBUG_LOG_MODULES="jax._src.compiler", **env), timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run


@pytest.mark.slow
def test_a_second_run_loads_the_first_runs_compiled_steps(tmp_path):
    cache = tmp_path / "cache"
    first = _train(tmp_path / "first", RNNJAX_COMPILATION_CACHE=str(cache))
    assert "Persistent compilation cache hit" not in first.stderr
    assert sorted(p.name.split("-")[0] for p in cache.glob("*-cache")) == [
        "jit_eval_step", "jit_init", "jit_train_step",
    ]
    second = _train(tmp_path / "second", RNNJAX_COMPILATION_CACHE=str(cache))
    for program in ("jit_init", "jit_train_step", "jit_eval_step"):
        assert f"Persistent compilation cache hit for '{program}'" in second.stderr


ENABLE = "from rnnjax import compilation_cache; print(compilation_cache.enable())"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"RNNJAX_COMPILATION_CACHE": "0"}, "None"),  # turned off
        ({"JAX_COMPILATION_CACHE_DIR": "/tmp/jax_own"}, "/tmp/jax_own"),  # JAX's own is kept
        ({"XDG_CACHE_HOME": "/tmp/xdg"}, "/tmp/xdg/rnnjax/xla"),  # the default folder
    ],
)
def test_where_the_cache_goes(env, expected, tmp_path):
    env = {k: v.replace("/tmp", str(tmp_path)) for k, v in env.items()}
    run = subprocess.run(
        [sys.executable, "-c", ENABLE], cwd=REPO_ROOT, capture_output=True, text=True,
        env=_env(**env), timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == expected.replace("/tmp", str(tmp_path))
