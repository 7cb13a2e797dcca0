# Shared by the launchers: `--dry-run` anywhere in the arguments prints commands instead of running.
DRY_RUN=0
ARGS=()
for arg in "$@"; do
  if [[ "$arg" == "--dry-run" ]]; then DRY_RUN=1; else ARGS+=("$arg"); fi
done

# run CMD...: prints the command (shell-quoted), then runs it unless --dry-run was given.
run() {
  printf '+'; printf ' %q' "$@"; printf '\n'
  if [[ "$DRY_RUN" == 0 ]]; then "$@"; fi
}

usage_if_short() {  # usage_if_short MIN USAGE
  if (( ${#ARGS[@]} < $1 )); then echo "usage: $2" >&2; exit 2; fi
}
