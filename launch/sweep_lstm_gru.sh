#!/usr/bin/env bash
# LSTM-vs-GRU sweep: python -m rnnjax.compare trains each variant of a config family for SEEDS
# seeds (default 3) into RUNS_DIR/runs/<variant>/seed<k>, scores them on test beside the TF-IDF
# baselines on the same rows and writes RUNS_DIR/comparison.md. Rerunning reuses finished runs
# and resumes interrupted ones. Usage:
#   [SEEDS=3] launch/sweep_lstm_gru.sh CONFIG RUNS_DIR [VARIANT ...] [--config.KEY=VALUE ...] [--dry-run]
# VARIANTs default to "lstm gru"; e.g. configs/newsgroups.py runs/ng maxpool_lstm maxpool_gru.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
usage_if_short 2 "launch/sweep_lstm_gru.sh CONFIG RUNS_DIR [VARIANT ...] [--config.KEY=VALUE ...] [--dry-run]"
CONFIG="${ARGS[0]}"; RUNS="${ARGS[1]}"
VARIANTS=(); OVERRIDES=()
for arg in "${ARGS[@]:2}"; do
  if [[ "$arg" == --* ]]; then OVERRIDES+=("$arg"); else VARIANTS+=("$arg"); fi
done
if (( ${#VARIANTS[@]} == 0 )); then VARIANTS=(lstm gru); fi
run python -m rnnjax.compare --config "${CONFIG}" --variants "$(IFS=,; echo "${VARIANTS[*]}")" \
  --seeds "${SEEDS:-3}" --workdir "${RUNS}" ${OVERRIDES[@]+"${OVERRIDES[@]}"}
