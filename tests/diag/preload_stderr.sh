#!/usr/bin/env bash
# preload_stderr.sh — run PROGRAM under the preload with VAR=VALUE settings and
# check that it exits 0 and its stderr matches PATTERN (grep -E).
#
#   preload_stderr.sh PRELOAD PATTERN [VAR=VALUE...] PROGRAM [ARGS...]
set -u
preload=$1 pattern=$2
shift 2
err=$(mktemp)
trap 'rm -f "$err"' EXIT
timeout -k 5 "${GREEN_TEST_TIMEOUT:-30}" env LD_PRELOAD="$preload" "$@" 2>"$err"
rc=$?
if [ "$rc" = 0 ] && grep -Eq -- "$pattern" "$err"; then
  cat "$err"
  exit 0
fi
echo "exit $rc; stderr does not match /$pattern/ (or the exit was not 0):"
cat "$err"
exit 1
