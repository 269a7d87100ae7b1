#!/usr/bin/env bash
# Starts a real server on 127.0.0.1 in a throwaway directory, runs a client
# example against it (50 greenlets at once, results checked, --check: the
# greenlets took less than half the sequential time), and stops the server
# by its pid.
#
# usage: run_client.sh postgres|redis|http|mariadb EXAMPLE [GREEN_RUN [ARGS...]]
# With GREEN_RUN (mariadb only): the server itself runs under
# `GREEN_RUN ARGS... mariadbd ...`, and once the clients are served it must
# have had a single OS thread of its own (green's helpers, named green-...,
# aside) and, where the kernel allows it, InnoDB must have used io_uring.
# run_client.sh redis-benchmark GREEN_RUN: redis-benchmark --threads 2 (two
# threads polling with a zero timeout) natively and under GREEN_RUN --threads
# against one redis-server: each run ends, and reports every command.
# Exit 77 (skipped) only when the server's binary is not installed.
set -euo pipefail
kind=$1
example=$2
server_run=("${@:3}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# 50 greenlets at once; 10 one after another are enough to show the difference
# (and keep the suite short): --check asks for less than half their time.
# GREEN_CLIENTS_SEQUENTIAL=50 runs all 50 one after another too (BENCHMARKS.md).
client_args=(--workers 50 --sequential ${GREEN_CLIENTS_SEQUENTIAL:-10} --check)

work=$(mktemp -d)
chmod 755 "$work"  # the server may run as another user
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

skip() { echo "SKIPPED: $*"; exit 77; }
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.log "$work"/*/*.log; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT (30 s at most).
wait_port() {
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "nothing listens on 127.0.0.1:$1 after 30 s"
}

# as_user USER CMD...: servers refuse to run as root; as anyone else, as is.
as_user() {
  local user=$1
  shift
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

# program_threads PID: the OS threads of process PID but green's own.
program_threads() {
  local n=0 comm
  for task in /proc/"$1"/task/*; do
    comm=$(cat "$task/comm" 2>/dev/null) || continue
    case $comm in green-*) ;; *) n=$((n + 1)) ;; esac
  done
  echo "$n"
}

# start_redis: a redis-server on 127.0.0.1:$port, no persistence.
start_redis() {
  command -v redis-server > /dev/null || skip "redis-server is not installed (apt-get install redis-server)"
  port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$port" --dir "$work" --save '' --appendonly no \
    --daemonize no > "$work/redis.log" 2>&1 &
  pids+=($!)
  wait_port "$port"
}

# owned_dir NAME USER: a directory of the throwaway dir the server may write.
owned_dir() {
  mkdir -p "$work/$1"
  [ "$(id -u)" -eq 0 ] && chown "$2" "$work/$1"
  echo "$work/$1"
}

case $kind in
  postgres)
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$bin" ] && [ -x "$bin/initdb" ] || skip "PostgreSQL is not installed (apt-get install postgresql)"
    port=$(free_port)
    data=$(owned_dir data postgres)
    sock=$(owned_dir sock postgres)
    logs=$(owned_dir logs postgres)
    as_user postgres "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-sync > "$work/initdb.log" 2>&1 ||
      fail "initdb"
    as_user postgres "$bin/pg_ctl" -D "$data" -l "$logs/postgres.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $port -k $sock -c fsync=off -c max_connections=200" start > "$work/pg_ctl.log" 2>&1 ||
      fail "pg_ctl start"
    pids+=("$(head -1 "$data/postmaster.pid")")
    "$example" "host=127.0.0.1 port=$port user=postgres dbname=postgres" "${client_args[@]}"
    ;;
  redis)
    start_redis
    "$example" 127.0.0.1 "$port" "${client_args[@]}"
    ;;
  redis-benchmark)
    start_redis
    command -v redis-benchmark > /dev/null || skip "redis-benchmark is not installed (apt-get install redis-tools)"
    bench=(redis-benchmark -h 127.0.0.1 -p "$port" --threads 2 -c 20 -n 20000 -t set,get,incr,lpush -q)
    for run in native green; do
      prefix=()
      [ $run = green ] && prefix=("$example" --threads)
      rc=0
      timeout -s KILL 120 "${prefix[@]}" "${bench[@]}" > "$work/$run.out" 2> "$work/$run.err" || rc=$?
      # The last line of each command: "SET: 26560.42 requests per second, p50=...".
      tr '\r' '\n' < "$work/$run.out" | grep -o '^[A-Z]*: [0-9.]* requests per second' | cut -d: -f1 > "$work/$run.done"
      echo "$run (exit $rc): $(tr '\n' ' ' < "$work/$run.done")"
      [ $rc = 0 ] || fail "redis-benchmark --threads 2 ($run) exited $rc: $(tail -3 "$work/$run.err")"
    done
    cmp -s "$work/native.done" "$work/green.done" || fail "the runs reported different commands"
    [ -s "$work/green.done" ] || fail "no command reported"
    ;;
  http)
    command -v openssl > /dev/null || skip "openssl is not installed (apt-get install openssl)"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
      -keyout "$work/key.pem" -out "$work/cert.pem" > "$work/openssl.log" 2>&1 || fail "openssl req"
    python3 "$here/slow_http_server.py" "$work/ports" 0.2 "$work/cert.pem" "$work/key.pem" > "$work/http.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 300); do [ -f "$work/ports" ] && break; sleep 0.1; done
    [ -f "$work/ports" ] || fail "the HTTP server did not start"
    read -r http https < "$work/ports"
    "$example" "http://127.0.0.1:$http" "https://127.0.0.1:$https" "$work/cert.pem" "${client_args[@]}"
    ;;
  mariadb)
    command -v mariadbd > /dev/null || skip "mariadbd is not installed (apt-get install mariadb-server)"
    port=$(free_port)
    data=$(owned_dir data mysql)
    as_user mysql mariadb-install-db --no-defaults --datadir="$data" --auth-root-authentication-method=normal \
      --skip-test-db > "$work/install-db.log" 2>&1 || fail "mariadb-install-db"
    # --skip-grant-tables: any user, no password — a throwaway server on 127.0.0.1.
    # As root, mariadbd drops to mysql itself (then $! is the server's pid).
    user_opt=()
    [ "$(id -u)" -eq 0 ] && user_opt=(--user=mysql)
    "${server_run[@]}" mariadbd --no-defaults "${user_opt[@]}" --datadir="$data" --bind-address=127.0.0.1 \
      --port="$port" --socket="$data/sock" --skip-grant-tables --skip-log-bin --innodb-buffer-pool-size=16M \
      --max-connections=200 > "$work/mariadb.log" 2>&1 &
    server=$!
    pids+=("$server")
    wait_port "$port"
    "$example" 127.0.0.1 "$port" green "${client_args[@]}"
    if [ ${#server_run[@]} -gt 0 ]; then
      under="$(basename "${server_run[0]}") ${server_run[*]:1}"
      threads=$(program_threads "$server")
      [ "$threads" = 1 ] || fail "the server under $under had $threads OS threads of its own (expected 1)"
      echo "the server under $under: 1 OS thread of its own"
      grep -q "Using io_uring" "$work/mariadb.log" && echo "InnoDB used io_uring" ||
        echo "InnoDB did not use io_uring (the kernel refused it): $(grep -m1 -i "aio\|uring" "$work/mariadb.log")"
    fi
    ;;
  *)
    echo "usage: run_client.sh postgres|redis|http|mariadb EXAMPLE" >&2
    exit 2
    ;;
esac
