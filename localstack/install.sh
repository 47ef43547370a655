#!/usr/bin/env bash
# Install LocalStack (host mode, no Docker) into localstack/.venv.
#
# Idempotent: the venv is (re)built only when it is missing, or when the lock
# file, the ECR plugin or the interpreter changed (tracked by a stamp file).
# All output goes to stderr.
set -euo pipefail

# shellcheck source=env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
VENV="$LS_VENV"
STATE="$LS_STATE"
LOCK_FILE="$LS_DIR/requirements.lock"
PLUGIN_DIR="$LS_DIR/ecr-moto-plugin"
STAMP="$VENV/.install-stamp"

log() { echo "[localstack/install] $*" >&2; }

# localstack-core 2026.3 needs Python >= 3.13 (it imports warnings.deprecated).
find_python() {
    local cand
    local -a cands=()
    for cand in python3.13 python3.14; do
        if command -v "$cand" >/dev/null 2>&1; then cands+=("$(command -v "$cand")"); fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root="$(pyenv root 2>/dev/null || true)"
        if [[ -n "$root" ]]; then
            for cand in "$root"/versions/3.1[3-9]*/bin/python3; do
                [[ -x "$cand" ]] && cands+=("$cand")
            done
        fi
    fi
    for cand in "$HOME"/.pyenv/versions/3.1[3-9]*/bin/python3 /usr/bin/python3.13 /usr/local/bin/python3.13; do
        [[ -x "$cand" ]] && cands+=("$cand")
    done
    for cand in "${cands[@]}"; do
        # pyenv shims exist on PATH even when the version is not selected: really run it.
        if "$cand" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 13) else 1)' >/dev/null 2>&1; then
            # resolve shims to the real interpreter
            "$cand" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    return 1
}

compute_stamp() {
    {
        cat "$LOCK_FILE"
        # The plugin's sources (its tests/ are not installed, so editing them rebuilds nothing).
        find "$PLUGIN_DIR" -type f \( -name '*.py' -o -name '*.toml' \) \
            -not -path '*/build/*' -not -path '*.egg-info/*' -not -path "$PLUGIN_DIR/tests/*" \
            -print0 | sort -z | xargs -0 cat
        "$VENV/bin/python" -c 'import sys; print(sys.version)' 2>/dev/null || echo no-python
    } | sha256sum | cut -d' ' -f1
}

mkdir -p "$STATE"
# Serialise concurrent installs (e.g. several test processes starting at once).
exec 8>"$STATE/install.lock"
flock -w 600 8 || { log "timed out waiting for install lock"; exit 1; }

if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$(compute_stamp)" ]]; then
    log "already installed ($VENV)"
    exit 0
fi

PY="$(find_python)" || {
    log "no Python >= 3.13 found (tried python3.13/python3.14 on PATH and \$(pyenv root)/versions/3.1[3-9]*)"
    exit 1
}
log "using $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"

start_ts=$(date +%s)
rm -rf "$VENV"
"$PY" -m venv "$VENV"

PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --no-input)
# Everything is pinned in the lock file; --no-deps so nothing floats.
"${PIP[@]}" install --quiet --no-deps --only-binary=:all: -r "$LOCK_FILE" >&2

# Build the plugin from a scratch copy so no build/ or egg-info lands in the repo.
build_dir="$(mktemp -d)"
trap 'rm -rf "$build_dir"' EXIT
cp -r "$PLUGIN_DIR" "$build_dir/plugin"
rm -rf "$build_dir/plugin/build" "$build_dir/plugin"/*.egg-info
# setuptools comes from the lock file, so no isolated build env is downloaded.
"${PIP[@]}" install --quiet --no-deps --no-build-isolation "$build_dir/plugin" >&2

"${PIP[@]}" check >&2
# plux caches entry points per venv; drop stale indexes so the plugin is seen.
rm -rf "$STATE/cache/plux" "$STATE"/port-*/cache/plux

compute_stamp >"$STAMP"
log "installed in $(($(date +%s) - start_ts)) s"
