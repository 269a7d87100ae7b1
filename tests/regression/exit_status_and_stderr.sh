#!/usr/bin/env bash
# exit_status_and_stderr.sh PRELOAD STATUS PATTERN PROGRAM [ARGS...] — run
# PROGRAM under the preload; pass when it exits with STATUS and its stderr
# matches PATTERN (grep -E).
set -u
preload=$1 want=$2 pattern=$3
shift 3
err=$(mktemp)
trap 'rm -f "$err"' EXIT
timeout -k 5 "${GREEN_TEST_TIMEOUT:-30}" env LD_PRELOAD="$preload" "$@" 2>"$err"
rc=$?
if [ "$rc" = "$want" ] && grep -Eq -- "$pattern" "$err"; then
  cat "$err"
  exit 0
fi
echo "exit $rc (want $want); stderr (want /$pattern/):"
cat "$err"
exit 1
