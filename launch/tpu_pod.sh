#!/usr/bin/env bash
# Train on every worker of a Cloud TPU VM pod slice (JAX finds the coordinator itself). Usage:
#   launch/tpu_pod.sh TPU_NAME ZONE CONFIG WORKDIR [--config.key=value ...] [--dry-run]
# The repository must already be on every worker (same path) and WORKDIR a gs:// bucket or a
# shared filesystem.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
usage_if_short 4 "launch/tpu_pod.sh TPU_NAME ZONE CONFIG WORKDIR [--config.key=value ...] [--dry-run]"
REPO_DIR="${RNNJAX_REMOTE_DIR:-\$HOME/rnnjax}"
run gcloud compute tpus tpu-vm ssh "${ARGS[0]}" --zone "${ARGS[1]}" --worker=all \
  --command "cd ${REPO_DIR} && python -m rnnjax.train --config ${ARGS[2]} --workdir ${ARGS[3]} ${ARGS[*]:4}"
