# tests/common/lib.sh — the pieces every script test shares. Source it first:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
#
# It gives the script:
#   $work              a fresh throwaway directory (mktemp -d), removed at exit
#   skip MESSAGE       print "SKIP: MESSAGE" and exit 77 (ctest SKIP_RETURN_CODE)
#   need CMD PACKAGE   skip unless CMD is installed
#   bounded SECS CMD   run CMD, stopped after SECS (SIGTERM, SIGKILL 5 s later)
#   track PID          stop PID (by that pid, never by name) when the script exits
#   stop PID           stop PID now and reap it
#   wait_until SECS CMD  retry CMD every 0.1 s until it succeeds, at most SECS
#                      (its stderr is dropped: a file it reads may not exist yet)
#   capture NAME CMD   run CMD bounded by $limit; stdout, stderr, exit status
#                      into $work/NAME.out, .err, .rc
#   show NAME          print what `capture NAME` recorded, for a failure report
#   same_run A B       two captured runs have the same stdout and exit status
#   rc_of NAME         the exit status `capture NAME` recorded
#
# Exit codes of a script test: 0 passed, 1 failed, 77 skipped, 2 bad usage.
# $limit is GREEN_TEST_TIMEOUT (seconds, default 30): a test that expects a
# hang sets it low in its ctest ENVIRONMENT.
set -u

limit=${GREEN_TEST_TIMEOUT:-30}
work=$(mktemp -d) || { echo "cannot create a temporary directory (mktemp -d failed)"; exit 1; }
_lib_pids=()

stop() {
  kill "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

track() { _lib_pids+=("$1"); }

_lib_cleanup() {
  local pid
  for pid in ${_lib_pids[@]+"${_lib_pids[@]}"}; do stop "$pid"; done
  rm -rf "$work"
}
trap _lib_cleanup EXIT
# Bash runs no EXIT trap when a signal ends it: make ctest's stop (or ^C) an
# exit, so what the script started is stopped too.
trap 'exit 143' TERM
trap 'exit 130' INT

skip() {
  echo "SKIP: $*"
  exit 77
}

need() { command -v "$1" >/dev/null || skip "$1 is not installed (apt-get install $2)"; }

bounded() {
  local secs=$1
  shift
  timeout -k 5 "$secs" "$@"
}

wait_until() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 10; i++)); do
    "$@" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

capture() {
  local name=$1
  shift
  bounded "$limit" "$@" >"$work/$name.out" 2>"$work/$name.err"
  echo $? >"$work/$name.rc"
}

rc_of() { cat "$work/$1.rc"; }

show() {
  echo "--- $1 (exit $(rc_of "$1")) stdout:"
  cat "$work/$1.out"
  echo "--- $1 stderr:"
  cat "$work/$1.err"
}

same_run() { cmp -s "$work/$1.out" "$work/$2.out" && cmp -s "$work/$1.rc" "$work/$2.rc"; }
