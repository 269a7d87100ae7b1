#!/usr/bin/env bash
# pgbench.sh GREEN_RUN — issue 17: PostgreSQL under green-run --threads. A
# throwaway server (initdb in $work, 127.0.0.1, a free port) and pgbench
# (8 clients on 4 threads, 200 transactions each) run natively, then both
# under green-run --threads: the server's backends share process-shared
# semaphores in shared memory (a post from another process must reach a
# waiter), pgbench's threads are green threads. Every transaction must
# commit in both runs, and the server must stop cleanly. Stopped by its pid.
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
green_run=$1
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/pgbench" ] || skip "PostgreSQL is not installed (apt-get install postgresql)"
chmod 755 "$work"  # the server runs as postgres

# as_postgres CMD...: the server refuses to run as root.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# run NAME [PREFIX...]: initdb, start, pgbench -i, pgbench, stop; the results
# that must match go to $work/NAME.out.
run() {
  local name=$1 dir=$work/$1 port pid
  shift
  mkdir -p "$dir/data" "$dir/sock" "$dir/logs"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir/data" "$dir/sock" "$dir/logs"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { echo "FAIL: initdb"; cat "$dir/initdb.log"; return 1; }
  as_postgres "$@" "$bin/pg_ctl" -D "$dir/data" -l "$dir/logs/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir/sock -c fsync=off -c max_connections=50" start >"$dir/pg_ctl.log" 2>&1 ||
    { echo "FAIL: $name: the server did not start"; cat "$dir/pg_ctl.log" "$dir/logs/server.log"; return 1; }
  pid=$(head -1 "$dir/data/postmaster.pid")
  track "$pid"
  {
    bounded 120 "$@" "$bin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -s 2 -q postgres >"$dir/init.log" 2>&1
    echo "pgbench -i: exit $?"
    bounded 120 "$@" "$bin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -c 8 -j 4 -t 200 postgres >"$dir/bench.log" 2>&1
    echo "pgbench: exit $?"
    grep -E "^(number of (clients|threads)|number of transactions actually processed|number of failed transactions)" \
      "$dir/bench.log"
    bounded 60 "$@" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -Atc \
      "select count(*) from pgbench_history" postgres 2>&1 | sed 's/^/rows in pgbench_history: /'
  } >"$work/$name.out"
  as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >>"$dir/pg_ctl.log" 2>&1
  # pg_ctl stop -w returns when the pid file is gone; the postmaster exits right after.
  echo "server stopped: $(wait_until 10 eval "! kill -0 $pid" && echo yes || echo no)" >>"$work/$name.out"
  stop "$pid"
  grep -E "PANIC|TRAP|terminated by signal" "$dir/logs/server.log" >>"$work/$name.out"
  return 0
}

run native || exit 1
# One hub: on two (--threads here) pgbench hung about one run in three at
# the end of this round (after "starting vacuum...end.", the server not
# stopping either), unexplained yet (issue 18's note).
run green "$green_run" --threads=1 -- || exit 1
if cmp -s "$work/native.out" "$work/green.out"; then
  cat "$work/green.out"
  tps=$(grep -h "^tps" "$work/green/bench.log" "$work/native/bench.log" | tr '\n' ' ')
  echo "(tps under --threads, then native: $tps)"
  exit 0
fi
echo "MISMATCH between the native run and green-run --threads"
diff "$work/native.out" "$work/green.out"
for f in "$work"/green/*.log "$work"/green/logs/*.log; do echo "== $f"; tail -20 "$f"; done
exit 1
