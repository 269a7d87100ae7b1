#!/usr/bin/env bash
# preload_stderr.sh — run PROGRAM under the preload with VAR=VALUE settings and
# check that it exits 0 and its stderr matches PATTERN (grep -E).
#
#   preload_stderr.sh PRELOAD PATTERN [VAR=VALUE...] PROGRAM [ARGS...]
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
preload=$1 pattern=$2
shift 2
capture green env LD_PRELOAD="$preload" "$@"
if [ "$(rc_of green)" = 0 ] && grep -Eq -- "$pattern" "$work/green.err"; then
  cat "$work/green.err"
  exit 0
fi
echo "exit $(rc_of green); stderr does not match /$pattern/ (or the exit was not 0):"
show green
exit 1
