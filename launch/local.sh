#!/usr/bin/env bash
# Train on this machine (every local device, CPU or GPU). Usage:
#   launch/local.sh CONFIG WORKDIR [--config.key=value ...] [--dry-run]
set -euo pipefail
source "$(dirname "$0")/_common.sh"
usage_if_short 2 "launch/local.sh CONFIG WORKDIR [--config.key=value ...] [--dry-run]"
run python -m rnnjax.train --config "${ARGS[0]}" --workdir "${ARGS[1]}" "${ARGS[@]:2}"
