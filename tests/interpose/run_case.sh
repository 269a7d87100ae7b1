#!/usr/bin/env bash
# run_case.sh — run one test program natively and under the preload and
# compare stdout and exit status (mode "compare"), or run it under the
# preload only and compare stdout with the expected text (mode "expect").
#
#   run_case.sh compare PRELOAD PROGRAM [ARGS...]
#   run_case.sh expect  PRELOAD EXPECTED-FILE PROGRAM [ARGS...]
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

case "$mode" in
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
