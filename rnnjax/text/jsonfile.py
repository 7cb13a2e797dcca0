"""Reading the small JSON files rnnjax writes (vocabulary, labels) with a clear error."""

from __future__ import annotations

import json
from pathlib import Path

from rnnjax.errors import DataError


def read_json_file(path: str | Path, expected_format: str, required: tuple[str, ...]) -> dict:
    """Returns the JSON object in ``path``; DataError naming the file when it is something else
    or lacks one of the ``required`` keys."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DataError(
            f"{path} is not valid JSON ({e}); expected a {expected_format} file"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != expected_format:
        raise DataError(f"{path} is not a {expected_format} file written by rnnjax")
    missing = [key for key in required if key not in payload]
    if missing:
        raise DataError(f"{path} is a damaged {expected_format} file: no {missing}")
    return payload
