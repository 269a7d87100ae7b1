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
# "threads" compares a native run with one in green-threads mode
# (GREEN_THREADS=1) and checks, through the counts the program notes in
# GREEN_TEST_THREADS_LOG (tests/threads/cases/os_threads.h), that the green
# run had one OS thread whenever the native run had several. "threads-hang"
# is for a program that deadlocks natively: both runs must hang (stopped by
# the time limit, GREEN_TEST_TIMEOUT) with the same stdout, and the green
# run's stderr must match the regex (the deadlock report).
#
# Every run is bounded by `timeout`; the exit status is 0 on a match.
set -u
mode=$1 preload=$2
shift 2
limit=${GREEN_TEST_TIMEOUT:-30}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {  # run NAME [VAR=VALUE...] PROGRAM...
  local name=$1
  shift
  timeout -k 5 "$limit" env "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.rc"
}

show() {
  echo "--- $1 (exit $(cat "$out/$1.rc")) stdout:"
  cat "$out/$1.out"
  echo "--- $1 stderr:"
  cat "$out/$1.err"
}

# os_threads_ok NAME: the run noted counts, all 1 (green) / some above 1 (native).
os_threads_ok() {
  local log=$out/$1.threads want=$2
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
    run native GREEN_TEST_THREADS_LOG="$out/native.threads" "$@"
    run green LD_PRELOAD="$preload" GREEN_THREADS=1 GREEN_TEST_THREADS_LOG="$out/green.threads" "$@"
    if cmp -s "$out/native.out" "$out/green.out" && cmp -s "$out/native.rc" "$out/green.rc" &&
        os_threads_ok native many && os_threads_ok green one; then
      cat "$out/green.out"
      exit 0
    fi
    echo "MISMATCH between native and green-threads runs of $*"
    diff "$out/native.out" "$out/green.out"
    show native
    show green
    exit 1
    ;;
  threads-hang)
    pattern=$1
    shift
    run native "$@"
    run green LD_PRELOAD="$preload" GREEN_THREADS=1 "$@"
    if [ "$(cat "$out/native.rc")" = 124 ] && [ "$(cat "$out/green.rc")" = 124 ] &&
        cmp -s "$out/native.out" "$out/green.out" && grep -Eq "$pattern" "$out/green.err"; then
      cat "$out/green.out" "$out/green.err"
      exit 0
    fi
    echo "expected both runs to hang (exit 124), the same stdout, and stderr matching: $pattern"
    show native
    show green
    exit 1
    ;;
  compare)
    run native "$@"
    run green LD_PRELOAD="$preload" "$@"
    if cmp -s "$out/native.out" "$out/green.out" && cmp -s "$out/native.rc" "$out/green.rc"; then
      cat "$out/green.out"
      exit 0
    fi
    echo "MISMATCH between native and preloaded runs of $*"
    diff "$out/native.out" "$out/green.out"
    show native
    show green
    exit 1
    ;;
  expect)
    expected=$1
    shift
    run green LD_PRELOAD="$preload" "$@"
    if cmp -s "$expected" "$out/green.out" && [ "$(cat "$out/green.rc")" = 0 ]; then
      cat "$out/green.out"
      exit 0
    fi
    echo "UNEXPECTED output under the preload from $*"
    diff "$expected" "$out/green.out"
    show green
    exit 1
    ;;
esac
echo "run_case.sh: unknown mode $mode" >&2
exit 2
