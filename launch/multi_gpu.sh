#!/usr/bin/env bash
# Train data-parallel over all GPUs of one host: one process, JAX sees every GPU; the global
# batch (config.train.batch_size) must be divisible by the GPU count. Usage:
#   launch/multi_gpu.sh CONFIG WORKDIR [--config.key=value ...] [--dry-run]
# Set CUDA_VISIBLE_DEVICES to choose GPUs.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
usage_if_short 2 "launch/multi_gpu.sh CONFIG WORKDIR [--config.key=value ...] [--dry-run]"
export XLA_PYTHON_CLIENT_PREALLOCATE="${XLA_PYTHON_CLIENT_PREALLOCATE:-false}"
run python -m rnnjax.train --config "${ARGS[0]}" --workdir "${ARGS[1]}" "${ARGS[@]:2}"
