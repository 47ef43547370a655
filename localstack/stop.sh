#!/usr/bin/env bash
# Stop the LocalStack started by start.sh on this port (pid file in localstack/.state/port-PORT).
# Idempotent: exits 0 when nothing is running.
set -euo pipefail

# shellcheck source=env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

rm -f "$LS_OWNERS"

if ! pid="$(ls_running_pid)"; then
    ls_log "not running"
    rm -f "$LS_PID_FILE"
    exit 0
fi

ls_log "stopping LocalStack (pid $pid)"
# start.sh runs it as a session/process-group leader: signal the whole group.
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 100); do
    ls_alive "$pid" || break
    sleep 0.1
done
if ls_alive "$pid"; then
    ls_log "still alive after 10 s, sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        ls_alive "$pid" || break
        sleep 0.1
    done
fi
# Mop up any child left in the group.
kill -KILL -- "-$pid" 2>/dev/null || true
rm -f "$LS_PID_FILE"
ls_log "stopped"
