#!/usr/bin/env bash
# real_programs.sh WHAT GREEN_RUN — programs nobody here wrote behave the same
# under green-run as natively. WHAT: curl | wget | python_socket | sleep |
# python_threads | http_server_threads (the last two in green-threads mode,
# green-run --threads, where the program must also keep to one OS thread).
# Exits 77 (skipped) when the program is not installed. Talks only to
# 127.0.0.1; every process started here is stopped by pid.
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
what=$1 green_run=$2
limit=60

# serve: python3 -m http.server on 127.0.0.1, an ephemeral port; sets $port.
serve() {
  need python3 python3
  mkdir -p "$work/www"
  head -c 300000 /dev/urandom | base64 >"$work/www/file.txt"
  echo "hello from green" >"$work/www/index.html"
  python3 -u -c '
import http.server, socketserver, sys, os
os.chdir(sys.argv[1])
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()' "$work/www" >"$work/port" 2>"$work/server.err" &
  track $!
  wait_until 10 test -s "$work/port"
  port=$(head -n1 "$work/port")
  [ -n "$port" ] || { echo "http server did not start"; cat "$work/server.err"; exit 1; }
}

# same NAME CMD...: run natively and under green-run; stdout and status must match.
# With $green_opts=--threads the green run is in green-threads mode.
green_opts=
same() {
  local name=$1
  shift
  capture native "$@"
  capture green "$green_run" $green_opts -- "$@"
  if same_run native green; then
    echo "$name: same output ($(wc -c <"$work/green.out") bytes) and exit status $(rc_of green)"
    return 0
  fi
  echo "$name: DIFFERENT (native exit $(rc_of native), green exit $(rc_of green))"
  diff <(head -c 2000 "$work/native.out") <(head -c 2000 "$work/green.out")
  echo "--- green stderr:"; cat "$work/green.err"
  exit 1
}

case "$what" in
  curl)
    need curl curl
    serve
    same "curl file" curl -sS "http://127.0.0.1:$port/file.txt"
    same "curl 404" curl -sS -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$port/missing"
    same "curl refused" curl -sS --max-time 5 "http://127.0.0.1:1/"
    ;;
  wget)
    need wget wget
    serve
    same "wget file" wget -q -O - "http://127.0.0.1:$port/file.txt"
    same "wget index" wget -q -O - "http://127.0.0.1:$port/"
    ;;
  python_socket)
    need python3 python3
    serve
    cat >"$work/client.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
a, b = socket.socketpair()
a.settimeout(0.3)
t0 = time.monotonic()
try:
    a.recv(10)
    print("recv: data?")
except socket.timeout:
    took = time.monotonic() - t0
    print("recv timeout:", "on time" if 0.24 <= took < 1.5 else "off")
b.sendall(b"x" * 100000)
got = 0
while got < 100000:
    got += len(a.recv(65536))
print("socketpair bytes:", got)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print("http:", data.split(b"\r\n")[0].decode(), data.endswith(b"hello from green\n"))
try:
    socket.create_connection(("127.0.0.1", 1), timeout=2)
except ConnectionRefusedError:
    print("refused: ConnectionRefusedError")
PY
    same "python socket" python3 "$work/client.py" "$port"
    ;;
  python_threads)
    need python3 python3
    cat >"$work/threads.py" <<'PY'
import os, queue, socket, sys, threading, time

def os_threads():
    # The program's OS threads: green's own helper threads are named "green-..." (the name lookup pool,
    # the watchdog, hand-off's spare OS threads).
    n = 0
    for t in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/comm" % t) as f:
                n += not f.read().strip().startswith("green-")
        except OSError:
            pass  # that thread ended meanwhile
    return n

peak = []
t0 = time.monotonic()
ts = [threading.Thread(target=lambda: (time.sleep(0.3), peak.append(os_threads()))) for _ in range(20)]
for t in ts: t.start()
for t in ts: t.join()
took = time.monotonic() - t0
print("20 threads x sleep(0.3):", "concurrent" if took < 2.0 else "sequential (%.2fs)" % took)

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(64)
port = srv.getsockname()[1]
def serve_one(conn):
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data.upper())
def acceptor():
    for _ in range(8):
        conn, _ = srv.accept()
        threading.Thread(target=serve_one, args=(conn,)).start()
threading.Thread(target=acceptor, daemon=True).start()
results = queue.Queue()
def client(i):
    with socket.create_connection(("127.0.0.1", port)) as c:
        msg = ("hello %d " % i).encode() * 1000
        c.sendall(msg)
        c.shutdown(socket.SHUT_WR)
        got = b""
        while chunk := c.recv(65536):
            got += chunk
        peak.append(os_threads())
        results.put((i, got == msg.upper()))
cs = [threading.Thread(target=client, args=(i,)) for i in range(8)]
for c in cs: c.start()
for c in cs: c.join()
print("echo clients:", sorted(results.get(timeout=30) for _ in range(8)))

lock, cond, ev = threading.Lock(), threading.Condition(), threading.Event()
items = []
def producer():
    for i in range(100):
        with cond:
            items.append(i)
            cond.notify()
    ev.set()
def consumer(out):
    while True:
        with cond:
            while not items and not ev.is_set():
                cond.wait(0.05)
            if not items and ev.is_set():
                return
            if items:
                out.append(items.pop(0))
outs = [[] for _ in range(3)]
th = [threading.Thread(target=consumer, args=(o,)) for o in outs] + [threading.Thread(target=producer)]
for t in th: t.start()
for t in th: t.join()
print("condition items:", sorted(sum(outs, [])) == list(range(100)))
print("lock timeout:", lock.acquire() and not lock.acquire(timeout=0.1))
log = os.environ.get("GREEN_TEST_THREADS_LOG")
if log:
    with open(log, "w") as f:
        f.write("%d\n" % max(peak))
PY
    GREEN_TEST_THREADS_LOG="$work/native.peak" same "python threading (native)" python3 "$work/threads.py"
    green_opts=--threads
    GREEN_TEST_THREADS_LOG="$work/peak" same "python threading (--threads)" python3 "$work/threads.py"
    [ "$(cat "$work/peak")" = 1 ] || { echo "green-threads run peaked at $(cat "$work/peak") OS threads"; exit 1; }
    echo "OS threads at peak: $(cat "$work/native.peak") natively, 1 under --threads"
    ;;
  http_server_threads)
    need python3 python3
    need curl curl
    need wget wget
    # The server (a thread per connection) under green-run --threads; curl and
    # wget fetch natively, several at once.
    mkdir -p "$work/www"
    head -c 300000 /dev/urandom | base64 >"$work/www/file.txt"
    echo "hello from green" >"$work/www/index.html"
    (cd "$work/www" && exec "$green_run" --threads -- python3 -u -m http.server --bind 127.0.0.1 0 \
        >"$work/port" 2>"$work/server.err") &
    server=$!
    track "$server"
    wait_until 10 grep -q "port" "$work/port"
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/port" | head -n1)
    [ -n "$port" ] || { echo "http.server did not start"; cat "$work/port" "$work/server.err"; exit 1; }
    pids=()
    for i in 1 2 3 4; do
      bounded "$limit" curl -sS -o "$work/curl$i" "http://127.0.0.1:$port/file.txt" & pids+=($!)
      bounded "$limit" wget -q -O "$work/wget$i" "http://127.0.0.1:$port/file.txt" & pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || { echo "a client failed"; cat "$work/server.err"; exit 1; }; done
    for i in 1 2 3 4; do
      cmp -s "$work/curl$i" "$work/www/file.txt" && cmp -s "$work/wget$i" "$work/www/file.txt" ||
        { echo "download $i differs"; exit 1; }
    done
    [ "$(bounded "$limit" curl -sS "http://127.0.0.1:$port/")" = "hello from green" ] || { echo "index differs"; exit 1; }
    [ "$(bounded "$limit" curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/missing")" = 404 ] ||
      { echo "404 expected"; exit 1; }
    # The launcher execs python3, so $server is the server's own pid. Its OS
    # threads, but for green's helper threads ("green-...": the name lookup
    # http.server does at start runs there).
    threads=$(cat /proc/"$server"/task/*/comm | grep -cv '^green-')
    [ "$threads" = 1 ] || { echo "http.server under --threads has $threads OS threads"; exit 1; }
    echo "python3 -m http.server under green-run --threads: 8 concurrent downloads intact, 1 OS thread"
    ;;
  sleep)
    need sleep coreutils
    start=$(date +%s%N)
    same "sleep 1" sleep 1
    ;;
  *)
    echo "unknown program $what"
    exit 2
    ;;
esac
