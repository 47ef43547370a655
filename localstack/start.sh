#!/usr/bin/env bash
# Start LocalStack (IAM, STS, ECR, SSM) on 127.0.0.1:${BETEKK_LOCALSTACK_PORT:-4566}
# in the background and wait until it is healthy.
#
#   start.sh [--owner-pid PID]
#
# --owner-pid PID: stop LocalStack once PID (and every other owner registered
# by later start.sh --owner-pid calls) has exited.
#
# The endpoint URL is printed on stdout as the last line; everything else goes
# to stderr. If a healthy LocalStack already serves the port, nothing new is
# started.
set -euo pipefail

# shellcheck source=env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

OWNER_PID=""
TIMEOUT="${BETEKK_LOCALSTACK_START_TIMEOUT:-90}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --owner-pid) OWNER_PID="${2:-}"; shift 2 ;;
        --owner-pid=*) OWNER_PID="${1#*=}"; shift ;;
        -h|--help) sed -n '2,13p' "$0" >&2; exit 0 ;;
        *) ls_log "unknown argument: $1"; exit 2 ;;
    esac
done
if [[ -n "$OWNER_PID" && ! "$OWNER_PID" =~ ^[0-9]+$ ]]; then
    ls_log "--owner-pid needs a numeric pid, got '$OWNER_PID'"
    exit 2
fi

"$LS_DIR/install.sh"

mkdir -p "$LS_RUN/fs" "$LS_RUN/tmp" "$LS_RUN/cache" "$LS_RUN/config"

# One starter at a time (the lock is released when this script exits).
exec 9>"$LS_RUN/start.lock"
flock -w $((TIMEOUT + 60)) 9 || { ls_log "timed out waiting for start lock"; exit 1; }

start_watchdog() {
    local ls_pid="$1"
    if [[ -f "$LS_WATCHDOG_PID" ]] && ls_alive "$(cat "$LS_WATCHDOG_PID")"; then
        return 0
    fi
    setsid "$LS_DIR/watchdog.sh" "$ls_pid" </dev/null >>"$LS_RUN/watchdog.log" 2>&1 9>&- &
}

if ls_healthy; then
    ls_log "already running and healthy at $LS_URL"
    if [[ -n "$OWNER_PID" ]] && pid="$(ls_running_pid)" && [[ -f "$LS_OWNERS" ]]; then
        # Our instance, managed by a watchdog: register one more owner.
        echo "$OWNER_PID" >>"$LS_OWNERS"
        start_watchdog "$pid"
    fi
    echo "$LS_URL"
    exit 0
fi

# A leftover process from a failed/unhealthy start: replace it.
if ls_running_pid >/dev/null; then
    ls_log "found an unhealthy LocalStack process, stopping it"
    "$LS_DIR/stop.sh"
fi
rm -f "$LS_OWNERS"

# Something else (not a healthy LocalStack) on the port: LocalStack would not
# exit on the bind error, so fail fast instead of waiting for the timeout.
if (exec 3<>"/dev/tcp/127.0.0.1/$LS_PORT") 2>/dev/null; then
    ls_log "port $LS_PORT on 127.0.0.1 is already in use by something that is not a healthy LocalStack"
    ls_log "(set BETEKK_LOCALSTACK_PORT to use another port)"
    exit 1
fi

ls_log "starting LocalStack on $LS_URL (log: $LS_LOG)"
start_ts=$(date +%s.%N)
: >"$LS_LOG"
(
    cd "$LS_RUN"
    export OVERRIDE_IN_DOCKER=0 \
        GATEWAY_LISTEN="127.0.0.1:$LS_PORT" \
        DNS_ADDRESS=0 \
        SKIP_SSL_CERT_DOWNLOAD=1 \
        DISABLE_EVENTS=1 \
        SERVICES=iam,sts,ecr,ssm \
        EAGER_SERVICE_LOADING=1 \
        PROVIDER_OVERRIDE_ECR=moto \
        FILESYSTEM_ROOT="$LS_RUN/fs" \
        TMPDIR="$LS_RUN/tmp" \
        XDG_CACHE_HOME="$LS_RUN/cache" \
        CONFIG_DIR="$LS_RUN/config"
    # setsid: own session/process group, so stop.sh can kill the whole group.
    # The inner shell records its pid and execs python, so the pid is LocalStack's.
    exec setsid bash -c 'echo $$ >"$1"; exec "$2" -m localstack.runtime.main' \
        _ "$LS_PID_FILE" "$LS_VENV/bin/python" </dev/null >>"$LS_LOG" 2>&1 9>&- 8>&-
) &
disown

fail() {
    ls_log "$1"
    ls_log "---- last lines of $LS_LOG ----"
    tail -n 60 "$LS_LOG" >&2 || true
    ls_log "-------------------------------"
    "$LS_DIR/stop.sh" || true
    exit 1
}

deadline=$(($(date +%s) + TIMEOUT))
pid=""
while true; do
    if [[ -z "$pid" && -s "$LS_PID_FILE" ]]; then pid="$(cat "$LS_PID_FILE")"; fi
    if ls_healthy; then break; fi
    if [[ -n "$pid" ]] && ! ls_alive "$pid"; then fail "LocalStack exited during startup"; fi
    if grep -q 'CannotListenError' "$LS_LOG" 2>/dev/null; then fail "LocalStack could not listen on port $LS_PORT"; fi
    if (($(date +%s) >= deadline)); then fail "LocalStack not healthy after ${TIMEOUT}s"; fi
    sleep 0.2
done
# Make sure the healthy instance is the one we started (not e.g. a foreign one).
pid="$(ls_running_pid)" || fail "port $LS_PORT is served, but our LocalStack process is gone"

ls_log "healthy after $(awk -v s="$start_ts" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}') s (pid $pid)"

if [[ -n "$OWNER_PID" ]]; then
    echo "$OWNER_PID" >"$LS_OWNERS"
    start_watchdog "$pid"
    ls_log "watchdog: will stop LocalStack when pid $OWNER_PID exits"
fi

echo "$LS_URL"
