#!/usr/bin/env bash
# three_ways.sh GREEN_RUN STDIN PROGRAM [ARGS...] — run a program natively,
# under `green-run` and under `green-run --threads`, in the current
# directory, and compare stdout and exit status of the three runs. STDIN is
# `null` (/dev/null), `pipe` (a pipe from a process that writes a few lines)
# or `tty` (a pseudo-terminal, through script(1)). Every run is bounded
# (GREEN_TEST_TIMEOUT, default 60 s); exit 0 when the three agree.
set -u
green_run=$1 stdin=$2
shift 2
limit=${GREEN_TEST_TIMEOUT:-60}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

quote() { printf '%q ' "$@"; }

run() {  # run NAME [green-run options...] -- PROGRAM...
  local name=$1
  shift
  local cmd=()
  while [ "$1" != -- ]; do cmd+=("$1"); shift; done
  shift
  case "$stdin" in
    null) timeout -k 5 "$limit" "${cmd[@]}" "$@" </dev/null >"$out/$name.out" 2>"$out/$name.err" ;;
    pipe) printf 'line one\nline two\nline three\n' |
            timeout -k 5 "$limit" "${cmd[@]}" "$@" >"$out/$name.out" 2>"$out/$name.err" ;;
    tty)
      command -v script >/dev/null || { echo "SKIP: script(1) is not installed (apt-get install bsdutils)"; exit 77; }
      # script gives the program a pty as stdin/stdout/stderr; its own stdin
      # is /dev/null, so the program reads EOF-less silence: it must not read.
      timeout -k 5 "$limit" script -qefc "$(quote "${cmd[@]}" "$@")" /dev/null </dev/null >"$out/$name.out" 2>"$out/$name.err"
      # A pty turns \n into \r\n.
      tr -d '\r' <"$out/$name.out" >"$out/$name.tmp" && mv "$out/$name.tmp" "$out/$name.out" ;;
    *) echo "three_ways.sh: STDIN is null, pipe or tty, not $stdin" >&2; exit 2 ;;
  esac
  echo $? >"$out/$name.rc"
}

run native env -- "$@"
run green "$green_run" -- "$@"
run threads "$green_run" --threads -- "$@"

ok=1
for m in green threads; do
  if ! cmp -s "$out/native.out" "$out/$m.out" || ! cmp -s "$out/native.rc" "$out/$m.rc"; then
    ok=0
    how="green-run"
    [ $m = threads ] && how="green-run --threads"
    echo "MISMATCH between the native run and $how (stdin: $stdin) of: $*"
    diff "$out/native.out" "$out/$m.out" | head -40
    echo "--- native exit $(cat "$out/native.rc"), $m exit $(cat "$out/$m.rc"); $m stderr:"
    head -c 4000 "$out/$m.err"
  fi
done
if [ $ok = 1 ]; then
  cat "$out/native.out"
  [ "$(cat "$out/native.rc")" = 77 ] && exit 77  # skipped (a tool is missing), the same three times
  echo "(identical natively, under green-run and green-run --threads; exit $(cat "$out/native.rc"))"
  exit 0
fi
exit 1
