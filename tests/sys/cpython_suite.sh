#!/usr/bin/env bash
# cpython_suite.sh GREEN_RUN MODES [-i CASE]... TEST... — issue 17: CPython's
# own regression tests (Debian's libpython3.11-testsuite, run by
# /usr/bin/python3) natively and in each of MODES ("green": under green-run;
# "threads": under green-run --threads, one hub per CPU; "threads1": under
# green-run --threads=1, one hub): every test case must end the same
# way (ok, skipped with the same reason, expected failure), and the suite must
# pass. What is compared is each case's result line of `-v` (a case that
# prints something before its result, such as timings, or whose line another
# thread's output cut, is compared by name, as "ok" is: its failure would
# still fail the suite, whose exit status counts). `-i CASE` leaves
# a case out of every run (a known limit, said in the test's output).
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
green_run=$1 modes=$2
shift 2
ignored=()
while [ "${1:-}" = -i ]; do
  ignored+=(-i "$2")
  echo "left out (a known limit, docs/interposition.md): $2"
  shift 2
done
python=/usr/bin/python3
[ -x "$python" ] || skip "python3 is not installed (apt-get install python3)"
for t in "$@"; do
  [ -f "/usr/lib/python3.11/test/$t.py" ] || [ -d "/usr/lib/python3.11/test/$t" ] ||
    skip "CPython's test suite is not installed (apt-get install libpython3.11-testsuite)"
done
limit=${GREEN_TEST_TIMEOUT:-400}
cd "$work" || exit 1

# results NAME: the sorted result lines of one run, and its exit status.
results() {
  grep -aE '^test_[A-Za-z0-9_]+ \([A-Za-z0-9_.]+\) \.\.\. ' "$work/$1.out" |
    sed -E '/ \.\.\. (ok|skipped .*|expected failure|unexpected success|FAIL|ERROR)$/!s/ \.\.\. .*/ ... (prints first)/' |
    sed -E 's/ \.\.\. (ok|\(prints first\))$/ ... ok, or printed first/' | sort
  echo "exit $(rc_of "$1")"
}

capture native "$python" -m test -v ${ignored[@]+"${ignored[@]}"} "$@"
for mode in $modes; do
  case $mode in
    green) capture green "$green_run" -- "$python" -m test -v ${ignored[@]+"${ignored[@]}"} "$@" ;;
    threads) capture threads "$green_run" --threads -- "$python" -m test -v ${ignored[@]+"${ignored[@]}"} "$@" ;;
    threads1) capture threads1 "$green_run" --threads=1 -- "$python" -m test -v ${ignored[@]+"${ignored[@]}"} "$@" ;;
    *) echo "unknown mode $mode (green, threads, threads1)"; exit 2 ;;
  esac
done
results native >"$work/native.res"
[ "$(rc_of native)" = 0 ] || { echo "FAIL: the suite fails natively"; show native; exit 1; }
status=0
for mode in $modes; do
  results $mode >"$work/$mode.res"
  if cmp -s "$work/native.res" "$work/$mode.res"; then
    echo "$mode: $(grep -c '' "$work/$mode.res") results as natively ($(grep -c ' \.\.\. skipped' "$work/$mode.res") skipped)"
  else
    echo "MISMATCH between the native run and $mode:"
    diff "$work/native.res" "$work/$mode.res" | head -40
    tail -30 "$work/$mode.out"
    status=1
  fi
done
exit $status
