#!/usr/bin/env bash
# Multi-node data-parallel training under SLURM: one process per node, all GPUs of the node.
# Submit from the repository root:
#   sbatch --nodes=2 --ntasks-per-node=1 --gpus-per-node=8 launch/slurm.sh CONFIG WORKDIR [overrides]
# or preview the per-process command: launch/slurm.sh CONFIG WORKDIR --dry-run
# The workdir must be on a filesystem every node sees (Orbax saves from all processes).
set -euo pipefail
source "$(dirname "$0")/_common.sh"
usage_if_short 2 "launch/slurm.sh CONFIG WORKDIR [--config.key=value ...] [--dry-run]"
NODES="${SLURM_JOB_NODELIST:-localhost}"
HEAD="$(scontrol show hostnames "$NODES" 2>/dev/null | head -n 1 || echo localhost)"
PORT="${RNNJAX_COORDINATOR_PORT:-12355}"
run srun --kill-on-bad-exit=1 bash -c "exec python -m rnnjax.train \
  --config '${ARGS[0]}' --workdir '${ARGS[1]}' ${ARGS[*]:2} \
  --coordinator_address=${HEAD}:${PORT} \
  --num_processes=\${SLURM_NTASKS:-1} --process_id=\${SLURM_PROCID:-0}"
