"""Files of a run directory besides checkpoints: config.json and metrics.jsonl.

Layout: ``checkpoints/`` (Orbax), ``config.json``, ``vocab.json``, ``labels.json``,
``rows.json`` (classifiers: each split's corpus row ids), ``metrics.jsonl``, ``tb/``
(TensorBoard), ``report/``, ``pretrain/`` (a classifier's pretrained language model, itself a
workdir), and ``checkpoints_broken/`` only after an unreadable checkpoint
was set aside.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import ml_collections

from rnnjax.errors import CheckpointError

CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.json"
LABELS_FILE = "labels.json"
ROWS_FILE = "rows.json"
METRICS_FILE = "metrics.jsonl"
CHECKPOINT_DIR = "checkpoints"
BROKEN_CHECKPOINT_DIR = "checkpoints_broken"  # unreadable steps moved aside on resume
TENSORBOARD_DIR = "tb"
REPORT_DIR = "report"

# Keys a rerun may change without becoming a different run: more epochs, other log cadence.
RESUMABLE_KEYS = frozenset({"train.epochs", "train.log_every_steps"})


def config_to_dict(config: ml_collections.ConfigDict) -> dict[str, Any]:
    """The config as plain JSON data (tuples become lists), as stored in config.json."""
    return json.loads(config.to_json(sort_keys=True))


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def config_differences(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Dotted keys whose values differ (or exist on one side only), RESUMABLE_KEYS excepted.

    A key added to the schema after ``saved`` was written is no difference while it holds its
    default (rnnjax.configs): new keys default to the behaviour from before they existed.
    """
    from rnnjax.configs import classification_config

    old, new = flatten(saved), flatten(current)
    defaults = flatten(config_to_dict(classification_config()))
    keys = sorted(set(old) | set(new))
    return [
        k
        for k in keys
        if k not in RESUMABLE_KEYS
        and old.get(k, None) != new.get(k, None)
        and not (k not in old and k in defaults and new[k] == defaults[k])
    ]


def check_same_run(workdir: Path, config: ml_collections.ConfigDict) -> None:
    """Raises CheckpointError if ``workdir``'s config.json holds a different run's config."""
    path = workdir / CONFIG_FILE
    if not path.exists():
        return
    saved = json.loads(path.read_text())
    differing = config_differences(saved, config_to_dict(config))
    if differing:
        old, new = flatten(saved), flatten(config_to_dict(config))
        shown = ", ".join(f"{k} ({old.get(k)!r} -> {new.get(k)!r})" for k in differing[:8])
        more = f" and {len(differing) - 8} more" if len(differing) > 8 else ""
        raise CheckpointError(
            f"{workdir} holds a run of a different config; differing keys: {shown}{more}. "
            "Use a new --workdir, or rerun with the original config to resume"
        )


def write_config(workdir: Path, config: ml_collections.ConfigDict) -> None:
    """Writes config.json (the run's identity; restore reads it back), atomically: a kill
    mid-write leaves the previous file."""
    partial = workdir / f"{CONFIG_FILE}.partial"
    partial.write_text(json.dumps(config_to_dict(config), indent=2) + "\n")
    os.replace(partial, workdir / CONFIG_FILE)


def read_config(workdir: Path) -> ml_collections.ConfigDict:
    """The config of the run in ``workdir``; CheckpointError if there is none."""
    path = workdir / CONFIG_FILE
    if not path.exists():
        raise CheckpointError(
            f"{workdir} is not a training workdir (no {CONFIG_FILE}); train one with "
            f"`python -m rnnjax.train --config configs/bbc_news.py --workdir {workdir}`"
        )
    from rnnjax.configs import classification_config

    saved = json.loads(path.read_text())
    # keys added to the schema since the run was saved take their defaults, the behaviour from
    # before they existed (as config_differences treats them), so old workdirs still restore
    return ml_collections.ConfigDict(_with_defaults(saved, config_to_dict(classification_config())))


def _with_defaults(saved: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """``saved`` with every key of ``defaults`` it lacks added, recursively into sections."""
    merged = dict(saved)
    for key, value in defaults.items():
        if key not in merged:
            merged[key] = value
        elif isinstance(value, dict) and isinstance(merged[key], dict):
            merged[key] = _with_defaults(merged[key], value)
    return merged


def read_rows(workdir: Path) -> dict[str, list[int]]:
    """Split name -> the corpus row ids a classifier run trained, validated and tested on."""
    path = workdir / ROWS_FILE
    if not path.exists():
        raise CheckpointError(f"{workdir} has no {ROWS_FILE}: it is not a classifier's workdir")
    return json.loads(path.read_text())


def read_metrics(workdir: Path) -> list[dict[str, Any]]:
    """Rows of metrics.jsonl (empty if absent); a last line cut short by a kill is skipped."""
    path = workdir / METRICS_FILE
    if not path.exists():
        return []
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    rows = [json.loads(line) for line in lines[:-1]]
    with contextlib.suppress(json.JSONDecodeError):
        rows.extend(json.loads(line) for line in lines[-1:])
    return rows


def truncate_metrics(workdir: Path, step: int) -> None:
    """Drops rows after ``step``: a resumed run rewrites them, so history has no duplicates."""
    path = workdir / METRICS_FILE
    if path.exists():
        kept = [row for row in read_metrics(workdir) if row["step"] <= step]
        path.write_text("".join(json.dumps(row) + "\n" for row in kept))


def append_metrics(workdir: Path, row: dict[str, Any]) -> None:
    """Appends one JSON row to metrics.jsonl."""
    with (workdir / METRICS_FILE).open("a") as f:
        f.write(json.dumps(row) + "\n")
