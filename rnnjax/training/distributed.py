"""Multi-process start-up: ``jax.distributed.initialize`` from flags or a cluster's environment."""

from __future__ import annotations

import os

import jax

# Variables by which a launcher announces several processes; jax.distributed.initialize() then
# reads the addresses and ranks from that environment itself.
_CLUSTER_SIZE_VARIABLES = ("SLURM_NTASKS", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE")
_COORDINATOR_VARIABLES = ("JAX_COORDINATOR_ADDRESS", "MEGASCALE_COORDINATOR_ADDRESS")


def launched_by_cluster() -> bool:
    """True when a launcher (SLURM, Open MPI, a TPU pod slice, JAX_COORDINATOR_ADDRESS) started
    more than one process."""
    if any(os.environ.get(name) for name in _COORDINATOR_VARIABLES):
        return True
    if "," in os.environ.get("TPU_WORKER_HOSTNAMES", ""):
        return True
    return any(int(os.environ.get(name, "1") or 1) > 1 for name in _CLUSTER_SIZE_VARIABLES)


def initialize(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
) -> None:
    """Joins the processes of a multi-host run; does nothing for a single process.

    Must run before anything touches a JAX device. CPU processes exchange data through gloo
    collectives, which have to be selected before initialization.
    """
    if not coordinator_address and not launched_by_cluster():
        return
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=coordinator_address or None,
        num_processes=num_processes,
        process_id=process_id,
    )
