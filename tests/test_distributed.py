"""Two processes on 127.0.0.1 (jax.distributed, gloo CPU collectives) train one run together."""

from __future__ import annotations

import json
import socket

import pytest
from train_helpers import SMOKE, start_module

pytestmark = pytest.mark.slow  # subprocess end-to-end runs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_train_together_and_agree(tmp_path):
    workdir, port = tmp_path / "run", _free_port()
    processes, logs = [], []
    for index in range(2):
        logs.append(tmp_path / f"process{index}.log")
        processes.append(start_module(
            "rnnjax.train", *SMOKE, "--config.train.epochs=1", "--workdir", str(workdir),
            f"--coordinator_address=127.0.0.1:{port}", "--num_processes=2",
            f"--process_id={index}", log=logs[index],
        ))
    codes = [process.wait(timeout=300) for process in processes]
    outputs = [log.read_text() for log in logs]
    assert codes == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
    done = [[line for line in out.splitlines() if line.startswith("done: ")] for out in outputs]
    assert done[0] == done[1] and done[0][0].startswith("done: step 12, epoch 1, validation ")
    rows = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    validation = [row for row in rows if row["split"] == "validation"]
    assert len(validation) == 1  # written once, by process 0
    assert validation[0]["num_examples"] == 30  # each process evaluated half, none twice
    assert (workdir / "checkpoints" / "12").is_dir()
