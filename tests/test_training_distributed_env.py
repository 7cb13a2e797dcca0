"""Which environments start jax.distributed: flags, or a cluster launcher's variables."""

from __future__ import annotations

import pytest

from rnnjax.training.distributed import launched_by_cluster

CLUSTER_VARIABLES = ("SLURM_NTASKS", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "JAX_COORDINATOR_ADDRESS",
                     "MEGASCALE_COORDINATOR_ADDRESS", "TPU_WORKER_HOSTNAMES")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in CLUSTER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SLURM_NTASKS", "1", False),  # a single SLURM task trains alone
        ("SLURM_NTASKS", "4", True),
        ("OMPI_COMM_WORLD_SIZE", "2", True),
        ("JAX_COORDINATOR_ADDRESS", "10.0.0.1:1234", True),
        ("TPU_WORKER_HOSTNAMES", "t1k-0", False),  # a single-host TPU VM
        ("TPU_WORKER_HOSTNAMES", "t1k-0,t1k-1", True),
    ],
)
def test_launcher_environment_detection(monkeypatch, name, value, expected):
    assert not launched_by_cluster()
    monkeypatch.setenv(name, value)
    assert launched_by_cluster() is expected
