#!/usr/bin/env bash
# GREEN_TRACE and tools/green-trace.
#
# usage: trace_test.sh demo PATCH_DEMO SOURCE_DIR
#          the patch demo's trace has its greenlets, their runs, their timer
#          and fd waits and the hooked calls that parked (trace_check.py);
#          tools/green-trace draws it
#        trace_test.sh target TRACE_TARGET SOURCE_DIR
#          named greenlets, a lock wait, a timer wait, hub iterations; with
#          GREEN_TRACE_MAX_MB=1 and many switches the file stays under 1 MiB
#          and says it was truncated; an unwritable path is refused with a
#          message and the program runs on; unset, no file is written
#        trace_test.sh html PATCH_DEMO SOURCE_DIR
#          the page green-trace makes renders in headless Chromium and the
#          screenshot shows the lanes (png_lanes.py)
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
[ $# -eq 3 ] || { echo "usage: trace_test.sh demo|target|html PROGRAM SOURCE_DIR" >&2; exit 2; }
kind=$1 program=$2 src=$3
here=$(dirname "${BASH_SOURCE[0]}")
need python3 python3
fail() { echo "FAIL: $*"; exit 1; }

case $kind in
demo)
  GREEN_TRACE=$work/demo.json bounded 60 "$program" || fail "the patch demo failed under GREEN_TRACE"
  python3 "$here/trace_check.py" patch_demo "$work/demo.json" || exit 1
  python3 "$src/tools/green-trace" "$work/demo.json" -o "$work/demo.html" || fail "green-trace failed"
  grep -q "<svg" "$work/demo.html" && grep -q "Greenlet-16" "$work/demo.html" || fail "the page has no timeline"
  ;;
target)
  GREEN_TRACE=$work/t.json bounded 60 "$program" 200 > /dev/null || fail "trace_target failed under GREEN_TRACE"
  python3 "$here/trace_check.py" target "$work/t.json" || exit 1
  # Enough handoffs for well over 1 MiB of events.
  GREEN_TRACE=$work/big.json GREEN_TRACE_MAX_MB=1 bounded 120 "$program" 40000 > /dev/null ||
    fail "trace_target failed with a truncated trace"
  python3 "$here/trace_check.py" truncated "$work/big.json" || exit 1
  python3 "$src/tools/green-trace" "$work/big.json" -o "$work/big.html" > /dev/null || fail "green-trace refused a truncated trace"
  grep -q "truncated" "$work/big.html" || fail "the page does not say the trace was truncated"
  # Bad input: an unwritable path, and a file that is no trace.
  capture badpath env GREEN_TRACE="$work/no/such/dir/t.json" "$program" 10
  [ "$(rc_of badpath)" = 0 ] || { show badpath; fail "an unwritable GREEN_TRACE stopped the program"; }
  grep -q "GREEN_TRACE=.*cannot open it for writing" "$work/badpath.err" || { show badpath; fail "no message for an unwritable GREEN_TRACE"; }
  echo "not json" > "$work/junk.json"
  capture junk python3 "$src/tools/green-trace" "$work/junk.json"
  [ "$(rc_of junk)" = 1 ] && grep -q "not a GREEN_TRACE file" "$work/junk.err" || { show junk; fail "green-trace on junk"; }
  # Unset: nothing written.
  mkdir "$work/off"
  (cd "$work/off" && env -u GREEN_TRACE "$program" 10 > /dev/null) || fail "trace_target failed without GREEN_TRACE"
  [ -z "$(ls -A "$work/off")" ] || fail "a file was written without GREEN_TRACE: $(ls -A "$work/off")"
  ;;
html)
  browser=$(command -v chromium || command -v chromium-browser || true)
  [ -n "$browser" ] || skip "chromium is not installed (apt-get install chromium; tools/dev.sh installs it)"
  GREEN_TRACE=$work/demo.json bounded 60 "$program" > /dev/null || fail "the patch demo failed under GREEN_TRACE"
  python3 "$src/tools/green-trace" "$work/demo.json" -o "$work/demo.html" > /dev/null || fail "green-trace failed"
  # --no-sandbox: the suite may run as root, where Chromium's sandbox refuses to start.
  bounded 90 "$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile" --window-size=1400,900 --screenshot="$work/shot.png" \
    "file://$work/demo.html" > "$work/chromium.log" 2>&1
  [ -s "$work/shot.png" ] || { cat "$work/chromium.log"; fail "chromium wrote no screenshot"; }
  # 8 sequential workers + the hub each have a band of running bars.
  python3 "$here/png_lanes.py" "$work/shot.png" 9 || exit 1
  ;;
*) echo "usage: trace_test.sh demo|target|html PROGRAM SOURCE_DIR" >&2; exit 2 ;;
esac
echo PASS
