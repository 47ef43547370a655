#!/usr/bin/env bash
# Run the ECR plugin's tests (ecr-moto-plugin/tests, stdlib unittest + boto3 from the venv)
# against LocalStack on 127.0.0.1:${BETEKK_LOCALSTACK_PORT:-4566}.
#
#   test-plugin.sh [unittest arguments, e.g. -v or test_ssm]
#
# A healthy LocalStack already on the port is reused (and left running). Otherwise start.sh
# starts one, owned by this script: its watchdog stops it once the tests are done.
# Exits non-zero if a test fails.
set -euo pipefail

LS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
url="$("$LS_DIR/start.sh" --owner-pid $$ | tail -n 1)"
echo "[localstack/test-plugin] running the plugin tests against $url" >&2
cd "$LS_DIR/ecr-moto-plugin/tests"
BETEKK_LOCALSTACK_ENDPOINT="$url" "$LS_DIR/.venv/bin/python" -m unittest "$@"
