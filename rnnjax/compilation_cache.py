"""A persistent XLA compilation cache for rnnjax's commands.

Every ``python -m rnnjax.*`` command keeps the programs it compiles in a cache folder, so a
rerun, a resumed run, the next seed of ``rnnjax.compare``, or an evaluation after training
loads its compiled steps instead of compiling them again (the README's main job spends 17 of
its 46 s compiling; run again, it takes 27 s). JAX keys each entry by the program, the compile
options and the JAX version, so a changed model never loads a stale entry, and XLA checks on
loading that the entry was compiled for this machine's CPU (a folder shared with another kind of
machine is compiled for again, not run). The folder is ``$XDG_CACHE_HOME/rnnjax/xla``
(``~/.cache/rnnjax/xla``), kept under 2 GiB by evicting the least recently used entries.

``RNNJAX_COMPILATION_CACHE=DIR`` puts it elsewhere, ``RNNJAX_COMPILATION_CACHE=0`` turns it off;
a cache set up through JAX itself (``JAX_COMPILATION_CACHE_DIR``) is left as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

SETTING = "RNNJAX_COMPILATION_CACHE"
MAX_BYTES = 2 << 30
MIN_COMPILE_SECONDS = 0.1  # JAX keeps only compiles over 1 s by default; most of ours are shorter


def default_dir() -> Path:
    """``$XDG_CACHE_HOME/rnnjax/xla``, or ``~/.cache/rnnjax/xla``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rnnjax" / "xla"


def enable() -> Path | None:
    """Points JAX's persistent compilation cache at rnnjax's folder; returns the folder in use
    (None when turned off, or when the folder cannot be created). Call before compiling."""
    import jax

    configured = jax.config.jax_compilation_cache_dir
    if configured:
        return Path(configured)
    setting = os.environ.get(SETTING, "")
    if setting.lower() in ("0", "off", "false", "no"):
        return None
    folder = Path(setting).expanduser() if setting else default_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only home: compile as before
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)
    jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)
    return folder
