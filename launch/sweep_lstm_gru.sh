#!/usr/bin/env bash
# LSTM-vs-GRU sweep: trains each variant of a config family into RUNS_DIR/<variant>, then
# evaluates each on the test split. Usage:
#   launch/sweep_lstm_gru.sh CONFIG RUNS_DIR [VARIANT ...] [--dry-run]
# VARIANTs default to "lstm gru"; e.g. configs/newsgroups.py runs/ng maxpool_lstm maxpool_gru.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
usage_if_short 2 "launch/sweep_lstm_gru.sh CONFIG RUNS_DIR [VARIANT ...] [--dry-run]"
CONFIG="${ARGS[0]}"; RUNS="${ARGS[1]}"
VARIANTS=("${ARGS[@]:2}")
if (( ${#VARIANTS[@]} == 0 )); then VARIANTS=(lstm gru); fi
for variant in "${VARIANTS[@]}"; do
  run python -m rnnjax.train --config "${CONFIG}:${variant}" --workdir "${RUNS}/${variant}"
  run python -m rnnjax.evaluate --workdir "${RUNS}/${variant}" --split test --json
done
