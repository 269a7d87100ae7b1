#!/usr/bin/env bash
# The gdb extension (tools/gdb/green_gdb.py), in gdb's batch mode on a program
# with parked greenlets (gdb_target.cpp): `info greenlets` lists each with its
# name, state and wait; `greenlet bt ID` shows a parked greenlet's own frames,
# and the thread's registers are back afterwards (the program runs on to its
# normal end).
#
# usage: gdb_test.sh TARGET EXTENSION
set -euo pipefail
target=$1 extension=$2
command -v gdb > /dev/null || { echo "SKIPPED: gdb is not installed (apt-get install gdb)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; echo "== gdb said:"; cat "$work/out"; exit 1; }
# In the ASan tree: LeakSanitizer cannot run under a tracer (it stops the
# process with "does not work under ptrace"), so the target's leak check is
# off here; the other tests of that tree check leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# The ids count per hub: on the main thread main is 0, then sleeper 1,
# event-waiter 2, pipe-reader 3 (spawn order); on the other thread main 0 and
# other-thread-sleeper 1 (2.1: gdb's thread 2).
timeout 120 gdb -nx -batch -iex "set auto-load off" -ex "source $extension" \
  -ex "set pagination off" -ex "break green_gdb_stop_here" -ex run \
  -ex "info greenlets" \
  -ex "echo ==bt sleeper\n" -ex "greenlet bt 1" \
  -ex "echo ==bt event\n" -ex "greenlet bt 2" \
  -ex "echo ==bt pipe\n" -ex "greenlet bt 3" \
  -ex "echo ==bt other\n" -ex "greenlet bt 2.1" \
  -ex "echo ==bt main\n" -ex "greenlet bt 0" \
  -ex "echo ==bt missing\n" -ex "greenlet bt 999" \
  -ex "echo ==continue\n" -ex continue \
  "$target" > "$work/out" 2>&1 || true

expect() { grep -qE -- "$1" "$work/out" || fail "no line matching: $1"; }
expect '^\* +0 +main +running \(current\)'
expect '^  +1 +sleeper +parked on sleep.*timeout'
expect '^  +2 +event-waiter +parked on Event.wait'
expect '^  +3 +pipe-reader +parked on .*\(fd [0-9]+\)'
expect '^  +1 +other-thread-sleeper +parked on sleep'
[ "$(grep -c 'hub at 0x' "$work/out")" -eq 2 ] || fail "not two hubs (one per thread)"
# Each backtrace reaches its greenlet's own function, from its saved context.
section() { sed -n "/^==bt $1\$/,/^==/p" "$work/out"; }
section sleeper | grep -q 'sleeper_body' || fail "greenlet bt 1 does not reach sleeper_body"
section event | grep -q 'event_waiter_body' || fail "greenlet bt 2 does not reach event_waiter_body"
section pipe | grep -q 'pipe_reader_body' || fail "greenlet bt 3 does not reach pipe_reader_body"
section other | grep -q 'other_thread_body' || fail "greenlet bt 2.1 does not reach other_thread_body"
section sleeper | grep -q 'event_waiter_body\|main ()' && fail "greenlet bt 1 shows another stack"
section main | grep -q 'green_gdb_stop_here' || fail "greenlet bt 0 (running) is not the thread's stack"
section missing | grep -q 'no greenlet with id 999' || fail "greenlet bt 999 did not say there is none"
# Registers put back: the program finishes normally.
expect 'gdb_target: done'
expect 'exited normally'
echo "info greenlets and greenlet bt: ok"

# Auto-loaded, not sourced: the build tree keeps the extension beside
# libgreen under the name gdb looks for (cmake/Install.cmake names the
# installed one the same way). The safe-path lets gdb load it from here.
timeout 120 gdb -nx -batch -iex "set auto-load safe-path /" -ex "break green_gdb_stop_here" -ex run \
  -ex "info greenlets" -ex "kill" "$target" > "$work/out" 2>&1 || true
expect '^  +2 +event-waiter +parked on Event.wait'
echo "auto-loaded with libgreen: ok"
