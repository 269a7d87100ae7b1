#!/usr/bin/env bash
# real_programs.sh WHAT GREEN_RUN — programs nobody here wrote behave the same
# under green-run as natively. WHAT: curl | wget | python_socket | sleep.
# Exits 77 (skipped) when the program is not installed. Talks only to
# 127.0.0.1; every process started here is stopped by pid.
set -u
what=$1 green_run=$2
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
need() { command -v "$1" >/dev/null || { echo "SKIP: $1 is not installed (apt-get install $2)"; exit 77; }; }
bounded() { timeout -k 5 60 "$@"; }

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
  server=$!
  for _ in $(seq 1 100); do
    [ -s "$work/port" ] && break
    sleep 0.1
  done
  port=$(head -n1 "$work/port")
  [ -n "$port" ] || { echo "http server did not start"; cat "$work/server.err"; exit 1; }
}

# same NAME CMD...: run natively and under green-run; stdout and status must match.
same() {
  local name=$1
  shift
  bounded "$@" >"$work/native" 2>"$work/native.err"
  local rn=$?
  bounded "$green_run" -- "$@" >"$work/green" 2>"$work/green.err"
  local rg=$?
  if [ $rn -eq $rg ] && cmp -s "$work/native" "$work/green"; then
    echo "$name: same output ($(wc -c <"$work/green") bytes) and exit status $rg"
    return 0
  fi
  echo "$name: DIFFERENT (native exit $rn, green exit $rg)"
  diff <(head -c 2000 "$work/native") <(head -c 2000 "$work/green")
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
