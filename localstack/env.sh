# Sourced by start.sh / stop.sh / watchdog.sh: shared paths and settings.
# shellcheck shell=bash
LS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LS_VENV="$LS_DIR/.venv"
LS_STATE="$LS_DIR/.state"
LS_PORT="${BETEKK_LOCALSTACK_PORT:-4566}"
LS_URL="http://127.0.0.1:$LS_PORT"
# Each port's instance has its own runtime files, so that instances on other ports (a benchmark,
# a second test run) never read, stop or take over each other's pid, owners or watchdog.
LS_RUN="$LS_STATE/port-$LS_PORT"
LS_PID_FILE="$LS_RUN/localstack.pid"
LS_LOG="$LS_RUN/localstack.log"
LS_OWNERS="$LS_RUN/owners"
LS_WATCHDOG_PID="$LS_RUN/watchdog.pid"

ls_log() { echo "[localstack] $*" >&2; }

# True if process $1 exists and is not a zombie.
ls_alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
    [[ "$state" != "Z" && "$state" != "X" ]]
}

# True if the pid in the pid file is a live LocalStack process.
ls_running_pid() {
    local pid
    [[ -f "$LS_PID_FILE" ]] || return 1
    pid="$(cat "$LS_PID_FILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    ls_alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'localstack.runtime.main' || return 1
    echo "$pid"
}

# True if /_localstack/health on LS_PORT reports iam, sts, ecr and ssm available/running.
ls_healthy() {
    local body
    body="$(curl -sf --max-time 2 "$LS_URL/_localstack/health" 2>/dev/null)" || return 1
    local svc
    for svc in iam sts ecr ssm; do
        grep -Eq "\"$svc\": *\"(available|running)\"" <<<"$body" || return 1
    done
}
