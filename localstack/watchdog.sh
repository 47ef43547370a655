#!/usr/bin/env bash
# Internal, started by start.sh --owner-pid: stops LocalStack (pid $1) once
# none of the pids listed in its port's .state/port-PORT/owners is alive any more.
set -euo pipefail

# shellcheck source=env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

LS_PID="$1"
echo $$ >"$LS_WATCHDOG_PID"

any_owner_alive() {
    local p
    [[ -f "$LS_OWNERS" ]] || return 1
    while read -r p; do
        [[ "$p" =~ ^[0-9]+$ ]] && ls_alive "$p" && return 0
    done <"$LS_OWNERS"
    return 1
}

while ls_alive "$LS_PID"; do
    # owners file removed (stop.sh, or a fresh unmanaged start): nothing to watch
    [[ -f "$LS_OWNERS" ]] || break
    if ! any_owner_alive; then
        # Decide under the start lock, so a concurrent start.sh cannot register
        # a new owner between our check and the stop.
        exec 9>"$LS_RUN/start.lock"
        flock 9
        if [[ -f "$LS_OWNERS" ]] && ! any_owner_alive && [[ "$(cat "$LS_PID_FILE" 2>/dev/null)" == "$LS_PID" ]]; then
            ls_log "watchdog: all owners exited, stopping LocalStack (pid $LS_PID)"
            "$LS_DIR/stop.sh" 9>&-
        fi
        exec 9>&-
        break
    fi
    sleep 1
done
[[ "$(cat "$LS_WATCHDOG_PID" 2>/dev/null)" == "$$" ]] && rm -f "$LS_WATCHDOG_PID"
exit 0
