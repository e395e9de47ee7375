#!/usr/bin/env bash
# The GitHub Action's step: turns the action's inputs into one `vectornator` command.
# On a pull request (mode auto or plan) it comments the plan and changes nothing; otherwise it
# syncs. The CLI writes GITHUB_OUTPUT and GITHUB_STEP_SUMMARY itself.
set -euo pipefail

# The repository's own vectornator when it has one (same version as its build), else from npm.
# VECTORNATOR_BIN lets a checkout of vectornator itself run its build.
if [[ -n "${VECTORNATOR_BIN:-}" ]]; then
  read -r -a cmd <<< "$VECTORNATOR_BIN"
elif [[ -x node_modules/.bin/vectornator ]]; then
  cmd=(node_modules/.bin/vectornator)
else
  cmd=(npx --yes "vectornator@${INPUT_VERSION:-latest}")
fi

args=()
add_globs() { # flag, list (newlines or commas)
  local flag=$1 list=$2 glob
  while IFS= read -r glob; do
    glob="${glob#"${glob%%[![:space:]]*}"}"; glob="${glob%"${glob##*[![:space:]]}"}"
    if [[ -n "$glob" ]]; then args+=("$flag" "$glob"); fi
  done < <(printf '%s\n' "$list" | tr ',' '\n')
}
if [[ -n "${INPUT_ROOT:-}" ]]; then args+=(--root "$INPUT_ROOT"); fi
if [[ -n "${INPUT_STORE_ID:-}" ]]; then args+=(--store "$INPUT_STORE_ID"); fi
if [[ -n "${INPUT_PROVIDER:-}" ]]; then args+=(--provider "$INPUT_PROVIDER"); fi
if [[ -n "${INPUT_METADATA:-}" ]]; then args+=(--metadata "$INPUT_METADATA"); fi
add_globs --include "${INPUT_INCLUDE:-}"
add_globs --exclude "${INPUT_EXCLUDE:-}"

mode="${INPUT_MODE:-auto}"
if [[ "$mode" == auto ]]; then
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request|pull_request_target) mode=plan ;;
    *) mode=sync ;;
  esac
fi

case "$mode" in
  plan)
    exec "${cmd[@]}" status --format markdown --comment "${args[@]}"
    ;;
  sync)
    if [[ "${INPUT_DRY_RUN:-false}" == true ]]; then args+=(--dry-run); fi
    if [[ -n "${INPUT_CHECKS:-}" && "${INPUT_CHECKS}" != false ]]; then
      if [[ "$INPUT_CHECKS" == true ]]; then args+=(--checks); else args+=(--checks "$INPUT_CHECKS"); fi
    fi
    exec "${cmd[@]}" sync "${args[@]}"
    ;;
  *)
    echo "[vectornator] mode \"$mode\" is unknown: use auto, sync or plan" >&2
    exit 2
    ;;
esac
