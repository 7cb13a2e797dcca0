"""Keras-style model summary: one row per layer with its output shape and parameter count.

Shapes come from ``jax.eval_shape`` with Flax's ``capture_intermediates``: nothing is computed
and no parameter is allocated, so even a 20000-word embedding summarises instantly.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import flax.linen as nn
import jax

from rnnjax.models.encoder import RecurrentEncoder, RecurrentLayer

EXPANDED = (RecurrentEncoder,)  # containers shown as their layers, like stacked Keras RNNs


@dataclasses.dataclass(frozen=True)
class Row:
    """One line of the summary: ``path`` like "encoder/layer_0", ``kind`` the layer type."""

    path: str
    kind: str
    output_shape: tuple[int | None, ...]
    params: int


def _kind(module: nn.Module) -> str:
    """Readable layer type: the class name, or e.g. "Bidirectional(LSTM)" for a recurrent layer."""
    if isinstance(module, RecurrentLayer):
        kind = type(module.cell).__name__.removesuffix("Cell").upper().replace("SIMPLERNN", "RNN")
        if getattr(module.cell, "reset_after", True) is False:
            kind += "(reset_after=False)"
        return f"Bidirectional({kind})" if module.num_directions == 2 else kind
    if hasattr(module, "kind"):
        return f"{type(module).__name__}({module.kind})"
    return type(module).__name__


def _count(tree: Any) -> int:
    return sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(tree))


def summarize(model: nn.Module, *args: Any) -> tuple[list[Row], int]:
    """Rows for ``model`` called on ``args`` (batch axis first), and the total parameter count."""
    called: list[tuple[tuple[str, ...], nn.Module]] = []  # in the order the calls return

    def record(module: nn.Module, method: str) -> bool:
        if method == "__call__":
            called.append((tuple(module.scope.path), module))
        return method == "__call__"

    def run():
        variables = model.init(jax.random.key(0), *args)
        _, state = model.apply(variables, *args, capture_intermediates=record, mutable=True)
        return variables["params"], state["intermediates"]

    params, intermediates = jax.eval_shape(run)
    shown = {(): None} | {path: m for path, m in called if isinstance(m, EXPANDED)}
    rows = []
    for path, module in called:
        if not path or path[:-1] not in shown or isinstance(module, EXPANDED):
            continue  # the model itself, a part of a shown layer, or a container of them
        output, p = intermediates, params
        for key in path:
            output, p = output[key], p.get(key, {})
        shape = (None, *jax.tree.leaves(output["__call__"])[0].shape[1:])
        rows.append(Row("/".join(path), _kind(module), shape, _count(p)))
    return rows, _count(params)


def format_summary(title: str, rows: list[Row], total: int) -> str:
    """The Keras-like table: layer (type), output shape, params; then the total."""
    layer = [f"{row.path} ({row.kind})" for row in rows]
    shape = [str(row.output_shape).replace(",)", ")") for row in rows]
    counts = [f"{row.params:,}" for row in rows]
    widths = [
        max(len(h), *map(len, col)) + 3
        for h, col in [("Layer (type)", layer), ("Output Shape", shape)]
    ]
    width = widths[0] + widths[1] + max(len("Param #"), *map(len, counts))
    line = lambda a, b, c: f"{a:<{widths[0]}}{b:<{widths[1]}}{c}"
    lines = [
        f'Model: "{title}"',
        "_" * width,
        line("Layer (type)", "Output Shape", "Param #"),
        "=" * width,
    ]
    lines += [line(a, b, c) for a, b, c in zip(layer, shape, counts, strict=True)]
    lines += ["=" * width, f"Total params: {total:,} ({total * 4 / 2**20:.2f} MB as float32)"]
    return "\n".join(lines)
