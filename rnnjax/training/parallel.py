"""The device mesh (one ``data`` axis over every device of every process) and global batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from rnnjax.errors import ConfigError

AXIS = "data"
T = TypeVar("T")


def make_mesh(devices: list[jax.Device] | None = None) -> Mesh:
    """A 1-D mesh named ``data`` over ``devices`` (default: all devices of all processes)."""
    return Mesh(np.asarray(devices if devices is not None else jax.devices()), (AXIS,))


def replicated(mesh: Mesh) -> NamedSharding:
    """Sharding of arrays every device holds whole (params, optimizer state)."""
    return NamedSharding(mesh, P())


def batch_sharded(mesh: Mesh) -> NamedSharding:
    """Sharding of batches: the leading (example) axis split over the ``data`` axis."""
    return NamedSharding(mesh, P(AXIS))


def replicated_init(init: Callable[[], T], mesh: Mesh) -> T:
    """``init()`` computed once, on one device, then copied to every device of ``mesh``.

    Computing it on every device at once (``jit(init, out_shardings=replicated)``) can hang
    XLA:CPU with several CPU devices: each device's batched QR of the orthogonal initializer
    waits for work queued on the intra-op thread pool that the other devices' QRs occupy.
    """
    return jax.device_put(jax.jit(init)(), replicated(mesh))


def check_batch_size(batch_size: int, mesh: Mesh, key: str) -> None:
    """Raises ConfigError unless the global ``batch_size`` splits evenly over the devices."""
    devices = mesh.size
    if batch_size % devices:
        raise ConfigError(
            f"{key}={batch_size} is not divisible by the device count {devices}; "
            f"set {key} to a multiple of {devices}"
        )


def global_batch(local_batch: dict[str, np.ndarray], mesh: Mesh) -> dict[str, jax.Array]:
    """Assembles each process's rows (``B / num_processes`` of them) into global arrays[B, ...]."""
    sharding = batch_sharded(mesh)
    return {
        key: jax.make_array_from_process_local_data(sharding, np.asarray(value))
        for key, value in local_batch.items()
    }


def fetch(tree: Any) -> Any:
    """Replicated (or fully addressable) arrays as numpy, on every process."""
    return jax.tree.map(lambda x: np.asarray(jax.device_get(x.addressable_data(0))), tree)
