#!/bin/sh
# lang_threads.sh PRELOAD ruby|rust [SOURCE] — a language runtime's threads
# natively and under green-threads mode (the preload with GREEN_THREADS=N,
# N = GREEN_TEST_HUBS, default 2):
# the same stdout and exit status. Skipped (77) when the language is not
# installed. Each run is bounded by `timeout`.
set -u
preload=$1 lang=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

case $lang in
  ruby)
    command -v ruby >/dev/null 2>&1 || { echo "ruby not installed: skipped"; exit 77; }
    set -- ruby -e '
      q = Queue.new
      threads = 4.times.map { |i| Thread.new { 3.times { |k| q << "t#{i}-#{k}"; sleep 0.002 }; i * 2 } }
      values = threads.map(&:value)
      items = []
      items << q.pop until q.empty?
      puts items.sort.join(" ")
      puts values.inspect
      Thread.new {}.join
      puts :ok'
    ;;
  rust)
    command -v rustc >/dev/null 2>&1 || { echo "rustc not installed: skipped"; exit 77; }
    rustc -O -o "$out/prog" "$3" >"$out/rustc.log" 2>&1 || { cat "$out/rustc.log"; exit 1; }
    set -- "$out/prog"
    ;;
  *) echo "usage: $0 PRELOAD ruby|rust [SOURCE]"; exit 2 ;;
esac

timeout 60 "$@" >"$out/native.out" 2>"$out/native.err"
echo $? >"$out/native.rc"
env LD_PRELOAD="$preload" GREEN_THREADS="${GREEN_TEST_HUBS:-2}" timeout 60 "$@" >"$out/green.out" 2>"$out/green.err"
echo $? >"$out/green.rc"
if cmp -s "$out/native.out" "$out/green.out" && cmp -s "$out/native.rc" "$out/green.rc"; then
  cat "$out/green.out"
  exit 0
fi
echo "MISMATCH between native and green-threads runs of $lang (exit $(cat "$out/native.rc") vs $(cat "$out/green.rc"))"
diff "$out/native.out" "$out/green.out"
echo "--- green stderr"; cat "$out/green.err"
exit 1
