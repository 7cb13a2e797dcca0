"""Bounded downloads: a URL fetched with a socket timeout, or a downloading command run in a
subprocess that is killed at a deadline (name lookups and some libraries take no timeout).

Standard library only: the text and data packages both use it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

URL_TIMEOUT_S = 10.0  # every blocking socket operation of a URL fetch
_EXCEPTION_LINE = re.compile(r"[A-Za-z_][\w.]*(Error|Exception)\b")


def fetch_url(url: str, destination: Path, *, timeout_s: float = URL_TIMEOUT_S) -> str | None:
    """Fetches ``url`` into ``destination`` atomically; returns None on success, else the reason.

    ``timeout_s`` bounds every blocking socket operation, so an unreachable host fails quickly.
    """
    partial = None
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=destination.parent, delete=False) as tmp:
                partial = Path(tmp.name)
                shutil.copyfileobj(response, tmp)
        os.replace(partial, destination)
    except (OSError, ValueError) as e:  # URLError, timeouts and read-only folders are OSErrors
        if partial is not None:
            partial.unlink(missing_ok=True)
        return f"{type(e).__name__}: {e}"
    logging.info("downloaded %s to %s", url, destination)
    return None


def run_python(
    code: str, args: Sequence[str], *, timeout_s: float, what: str
) -> str | None:
    """Runs ``python -c code *args`` in a subprocess killed after ``timeout_s`` seconds.

    Returns None when it exits 0, else the reason in one line starting with ``what``: the
    timeout, or the last exception line (else the last line) of its stderr.
    """
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-c", code, *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        return f"{what}: timed out after {timeout_s:g} s"
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines()
    errors = [line for line in lines if _EXCEPTION_LINE.match(line)]  # messages run on
    last = (errors or lines or [f"exit status {done.returncode}"])[-1][:200]
    return f"{what}: {last}"
