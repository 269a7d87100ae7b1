#!/usr/bin/env bash
# run_case.sh — run one test program natively and under the preload and
# compare stdout and exit status (mode "compare"), or run it under the
# preload only and compare stdout with the expected text (mode "expect").
#
#   run_case.sh compare PRELOAD PROGRAM [ARGS...]
#   run_case.sh expect  PRELOAD EXPECTED-FILE PROGRAM [ARGS...]
#   run_case.sh threads PRELOAD PROGRAM [ARGS...]
#   run_case.sh threads-hang PRELOAD EXPECTED-STDERR-REGEX PROGRAM [ARGS...]
#
# "threads" compares a native run with one in green-threads mode on
# GREEN_TEST_HUBS hubs (GREEN_THREADS, default 2) and checks, through the
# counts the program notes in GREEN_TEST_THREADS_LOG
# (tests/threads/cases/os_threads.h), that the green run had one OS thread of
# its own (green's "green-*" threads, hubs among them, aside) whenever the
# native run had several. "threads-hang"
# is for a program that deadlocks natively: both runs must hang (stopped by
# the time limit, GREEN_TEST_TIMEOUT) with the same stdout, and the green
# run's stderr must match the regex (the deadlock report).
#
# Every run is bounded by `timeout`; the exit status is 0 on a match.
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
[ $# -ge 3 ] || { echo "usage: run_case.sh compare|expect|threads|threads-hang PRELOAD [...] PROGRAM" >&2; exit 2; }
mode=$1 preload=$2
shift 2

# os_threads_ok NAME: the run noted counts, all 1 (green) / some above 1 (native).
os_threads_ok() {
  local log=$work/$1.threads want=$2
  [ -s "$log" ] || { echo "no OS-thread counts noted by the $1 run"; return 1; }
  if [ "$want" = one ]; then
    awk '$2 != 1 { bad = 1 } END { exit bad }' "$log" && return 0
    echo "green-threads run had more than one OS thread:"
  else
    awk '$2 > 1 { ok = 1 } END { exit !ok }' "$log" && return 0
    echo "native run never had a second OS thread (the test exercises nothing):"
  fi
  cat "$log"
  return 1
}

case "$mode" in
  threads)
    capture native env GREEN_TEST_THREADS_LOG="$work/native.threads" "$@"
    capture green env LD_PRELOAD="$preload" GREEN_THREADS="${GREEN_TEST_HUBS:-2}" GREEN_TEST_THREADS_LOG="$work/green.threads" "$@"
    if same_run native green && os_threads_ok native many && os_threads_ok green one; then
      cat "$work/green.out"
      exit 0
    fi
    echo "MISMATCH between native and green-threads runs of $*"
    diff "$work/native.out" "$work/green.out"
    show native
    show green
    exit 1
    ;;
  threads-hang)
    pattern=$1
    shift
    capture native "$@"
    capture green env LD_PRELOAD="$preload" GREEN_THREADS="${GREEN_TEST_HUBS:-2}" "$@"
    if [ "$(rc_of native)" = 124 ] && same_run native green && grep -Eq "$pattern" "$work/green.err"; then
      cat "$work/green.out" "$work/green.err"
      exit 0
    fi
    echo "expected both runs to hang (exit 124), the same stdout, and stderr matching: $pattern"
    show native
    show green
    exit 1
    ;;
  compare)
    capture native "$@"
    capture green env LD_PRELOAD="$preload" "$@"
    if same_run native green; then
      cat "$work/green.out"
      exit 0
    fi
    echo "MISMATCH between native and preloaded runs of $*"
    diff "$work/native.out" "$work/green.out"
    show native
    show green
    exit 1
    ;;
  expect)
    expected=$1
    shift
    capture green env LD_PRELOAD="$preload" "$@"
    if cmp -s "$expected" "$work/green.out" && [ "$(rc_of green)" = 0 ]; then
      cat "$work/green.out"
      exit 0
    fi
    echo "UNEXPECTED output under the preload from $*"
    diff "$expected" "$work/green.out"
    show green
    exit 1
    ;;
esac
echo "run_case.sh: unknown mode $mode" >&2
exit 2
