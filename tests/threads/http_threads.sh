#!/usr/bin/env bash
# http_threads.sh GREEN_RUN SERVER CLIENT CONNECTIONS [MODE] — run the
# unmodified thread-per-connection HTTP server (examples/threaded_http_server)
# under `green-run --threads` (MODE green, the default) or natively (MODE
# native), load it with CONNECTIONS concurrent keep-alive connections
# (http_load), and require every response intact — and, under green, one OS
# thread serving them all. The server is stopped by its pid.
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
green_run=$1 server_bin=$2 client=$3 conns=$4 mode=${5:-green}
# The server needs an fd per connection: as many as the hard limit allows.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((conns + 64)) ]; then
  skip "RLIMIT_NOFILE hard limit $(ulimit -Hn) is below $conns connections"
fi
if [ "$mode" = green ]; then
  "$green_run" --threads -- "$server_bin" 0 >"$work/out" 2>"$work/err" &
else
  "$server_bin" 0 >"$work/out" 2>"$work/err" &
fi
server=$!
track "$server"
wait_until 10 grep -q listening "$work/out"
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/out" | head -n1)
[ -n "$port" ] || { echo "server did not start"; cat "$work/out" "$work/err"; exit 1; }
result=$(bounded 150 "$client" "$port" "$conns" 10 "$server")
rc=$?
echo "$mode: $result"
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "server stderr:"; head -20 "$work/err"; exit 1; }
rss=$(awk '/^VmHWM:/ {print $2, $3}' "/proc/$server/status")
echo "$mode: server peak RSS $rss"
if [ "$mode" = green ]; then
  case "$result" in
    *"server OS threads with all connections open: 1") ;;
    *) echo "expected one OS thread under green-run --threads"; exit 1 ;;
  esac
fi
