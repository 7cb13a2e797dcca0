"""Row-wise (lazy) optimizer updates of the embedding table: only the rows a batch touched.

A batch of B x T tokens touches at most B*T of the table's V rows, yet a dense Adam step reads
and writes all V rows of the params, the gradient and both moments (about 80 MB a step for a
20000 x 128 table). With ``train.embedding_updates="rows"`` the whole optimizer chain (gradient
clipping, Adam/AdamW/SGD, the ULMFiT groups, per-member ensembles) runs on a view of the trees
whose embedding leaf holds only the rows with a nonzero gradient, and their new values and
optimizer state are scattered back. The global gradient norm is unchanged (the other rows'
gradients are zero). Rows a batch did not touch keep their params and moments, as in
TensorFlow's LazyAdam and PyTorch's SparseAdam: their moments do not decay and momentum does not
move them, which is the one difference from ``"dense"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import optax

from rnnjax.errors import ConfigError

EMBEDDING_UPDATES = ("dense", "rows")
EMBEDDING_PATH = ("embed", "embedding")  # rnnjax.models.classifier.TokenEmbedding's param


def uses_row_updates(train_cfg: ml_collections.ConfigDict) -> bool:
    """True when ``train.embedding_updates`` is "rows" (configs without the key: "dense")."""
    mode = train_cfg.get("embedding_updates", "dense")
    if mode not in EMBEDDING_UPDATES:
        raise ConfigError(
            f"unknown train.embedding_updates {mode!r}; valid: {', '.join(EMBEDDING_UPDATES)}"
        )
    return mode == "rows"


def _is_embedding(path: tuple) -> bool:
    """True for a leaf whose key path ends with ``embed/embedding``, in params or in any
    params-shaped part of an optimizer state."""
    keys = tuple(getattr(key, "key", None) for key in path[-len(EMBEDDING_PATH) :])
    return keys == EMBEDDING_PATH


def embedding_shape(params: Any) -> tuple[int, ...] | None:
    """Shape of the embedding table in ``params`` ([V, E], or [K, V, E] for an ensemble)."""
    leaves = jax.tree_util.tree_leaves_with_path(params)
    shapes = [jnp.shape(leaf) for path, leaf in leaves if _is_embedding(path)]
    return shapes[0] if len(shapes) == 1 else None


def touched_rows(grad: jax.Array, max_rows: int) -> jax.Array:
    """int32[max_rows]: the sorted ids of the nonzero rows of ``grad`` (float[V, E]), padded
    with V (out of range: gathers read zeros there, scatters drop it)."""
    (rows,) = jnp.nonzero(jnp.any(grad != 0, axis=-1), size=max_rows, fill_value=grad.shape[0])
    return rows


def _per_member(fn: Callable[..., Any], shape: tuple[int, ...]) -> Callable[..., Any]:
    """``fn`` of one [V, E] table, vmapped over an ensemble's leading member axis if any, so
    that each member updates its own touched rows (as it would alone)."""
    for _ in range(len(shape) - 2):
        fn = jax.vmap(fn)
    return fn


def _is_table(path: tuple, leaf: Any, shape: tuple[int, ...]) -> bool:
    """True for an embedding-table leaf: its path ends with ``embed/embedding``, its shape is the
    table's (a params-shaped part of an optimizer state, not a scalar under that name)."""
    return _is_embedding(path) and jnp.shape(leaf) == shape


def _merge(
    old: Any, new: Any, shape: tuple[int, ...], table_fn: Callable[[Any, Any], Any],
    other_fn: Callable[[Any, Any], Any],
) -> Any:
    """``table_fn(old, new)`` on the table leaves of ``old``, ``other_fn(old, new)`` elsewhere."""

    def leaf(path: tuple, old_leaf: Any, new_leaf: Any) -> Any:
        fn = table_fn if _is_table(path, old_leaf, shape) else other_fn
        return fn(old_leaf, new_leaf)

    return jax.tree_util.tree_map_with_path(leaf, old, new)


def rowwise_update(
    tx: optax.GradientTransformation,
    grads: Any,
    opt_state: optax.OptState,
    params: Any,
    max_rows: int,
) -> tuple[Any, optax.OptState]:
    """New (params, opt_state) after one step of ``tx`` on the embedding rows that ``grads``
    touches (at most ``max_rows``: the batch's token count) and on every other param.

    Falls back to the dense update when ``max_rows`` covers the whole vocabulary or ``params``
    has no embedding table: there is nothing to save then.
    """
    shape = embedding_shape(params)
    if shape is None or max_rows >= shape[-2]:
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state
    leaves = jax.tree_util.tree_leaves_with_path(grads)
    (table_grad,) = [g for path, g in leaves if _is_table(path, g, shape)]
    rows = _per_member(lambda g: touched_rows(g, max_rows), shape)(table_grad)
    take = _per_member(lambda x, r: jnp.take(x, r, axis=0, mode="fill", fill_value=0), shape)
    scatter = lambda x, r: jnp.asarray(x).at[r]
    add_rows = _per_member(lambda x, r, new: scatter(x, r).add(new, mode="drop"), shape)
    set_rows = _per_member(lambda x, r, new: scatter(x, r).set(new, mode="drop"), shape)

    def view(tree: Any) -> Any:
        return jax.tree_util.tree_map_with_path(
            lambda path, x: take(x, rows) if _is_table(path, x, shape) else x, tree
        )

    updates, view_state = tx.update(view(grads), view(opt_state), view(params))
    add = lambda param, update: (param + update).astype(param.dtype)
    new_params = _merge(params, updates, shape, lambda x, new: add_rows(x, rows, new), add)
    new_state = _merge(
        opt_state, view_state, shape, lambda x, new: set_rows(x, rows, new), lambda _, new: new
    )
    return new_params, new_state
