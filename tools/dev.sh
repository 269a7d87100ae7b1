#!/usr/bin/env bash
# tools/dev.sh — the README's two commands. Each one installs what is missing
# (Debian 12, as root), configures, builds and runs by itself.
#
#   tools/dev.sh demo    build and run the patch demo
#   tools/dev.sh test    build the normal and the ASan+UBSan trees, run every test
#   tools/dev.sh tsan    build the TSan tree and run the unit tests under it
#   tools/dev.sh bench   build a Release tree and print green's benchmarks next to
#                        their anchors, as ratios (bench/bench.py; about 10 minutes)
#   tools/dev.sh fuzz [SECONDS]
#                        build the libFuzzer tree (clang) and fuzz the interposer for
#                        SECONDS (default 60), starting from tests/fuzz/corpus
#
# Build trees: build/ (normal), build-asan/, build-tsan/, build-release/,
# build-fuzz/ — next to this checkout's sources.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

packages=(g++ cmake ninja-build pkg-config libboost-context-dev libev-dev libgtest-dev libbenchmark-dev
          valgrind curl wget python3 procps binutils openssl bsdutils gzip tar)

install_missing() {
  local missing=()
  for p in "${packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "green: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "green: missing packages (${missing[*]}); run as root or install them with apt-get" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build DIR [cmake options...]: configure (once) and build a tree.
build() {
  local dir=$1
  shift
  cmake -S "$root" -B "$root/$dir" -G Ninja "$@" >/dev/null
  cmake --build "$root/$dir" -j "$jobs"
}

demo() {
  install_missing
  build build -DGREEN_BUILD_TESTS=OFF -DGREEN_BUILD_BENCH=OFF
  if [ -x "$root/build/examples/patch_demo" ]; then
    exec "$root/build/examples/patch_demo"
  fi
  exec "$root/build/examples/spawn_joinall"
}

run_tests() {
  install_missing
  local status=0
  build build-asan -DGREEN_ASAN=ON -DGREEN_BUILD_BENCH=ON
  echo "== ASan+UBSan tree =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure -LE 'install|plain_only' || status=1
  build build
  echo "== normal tree =="
  # Last: ctest's summary is the last thing this prints.
  ctest --test-dir "$root/build" -j "$jobs" --output-on-failure || status=1
  return $status
}

tsan() {
  install_missing
  build build-tsan -DGREEN_TSAN=ON -DGREEN_BUILD_BENCH=OFF -DGREEN_BUILD_EXAMPLES=OFF
  TSAN_OPTIONS=halt_on_error=1 ctest --test-dir "$root/build-tsan" -j "$jobs" --output-on-failure -L unit
}

# The anchors' packages: Boost.Fiber, Go, wrk and nginx. Without root they are
# optional — bench.py leaves out (and says so) the anchors it cannot run.
bench_packages=(libboost-fiber-dev golang-go wrk nginx util-linux)

bench() {
  if [ "$(id -u)" -eq 0 ]; then
    install_missing "${bench_packages[@]}"
  else
    install_missing
  fi
  build build-release -DCMAKE_BUILD_TYPE=Release -DGREEN_BUILD_TESTS=OFF
  # Bounded by its sizes to about 10 minutes on 2 cores; the timeout only
  # guards against a hang.
  timeout 1200 python3 "$root/bench/bench.py" --build-dir "$root/build-release" \
    --json "$root/build-release/bench.json" "$@" | tee "$root/build-release/bench.md"
}

# The fuzzer (tests/fuzz/runner.h says what it checks). What it finds new goes
# to build-fuzz/corpus (the checked-in seeds are only read); a failing input
# is saved as build-fuzz/artifacts/crash-* — replay it with
# build-fuzz/tests/fuzz/green_fuzz FILE, or GREEN_FUZZ_TRACE=1 fuzz_replay FILE.
fuzz() {
  local seconds=${1:-60}
  install_missing clang libclang-rt-14-dev
  build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DGREEN_FUZZ=ON \
    -DGREEN_BUILD_TESTS=OFF -DGREEN_BUILD_EXAMPLES=OFF -DGREEN_BUILD_BENCH=OFF
  mkdir -p "$root/build-fuzz/corpus" "$root/build-fuzz/artifacts"
  # -max_len: the header byte and 32 four-byte ops (program.h). -timeout=0:
  # libFuzzer's timeout is a periodic SIGALRM, which would interrupt the
  # programs' waits (EINTR); the harness has a watchdog thread instead.
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$root/build-fuzz/tests/fuzz/green_fuzz" -max_total_time="$seconds" -timeout=0 -max_len=129 \
    -artifact_prefix="$root/build-fuzz/artifacts/" "$root/build-fuzz/corpus" "$root/tests/fuzz/corpus" \
    "$root/tests/regression/fuzz"
}

case "${1:-}" in
  demo) demo ;;
  test) run_tests ;;
  tsan) tsan ;;
  bench)
    shift
    bench "$@"
    ;;
  fuzz)
    shift
    fuzz "$@"
    ;;
  *)
    echo "usage: tools/dev.sh demo|test|tsan|bench [bench.py options]|fuzz [seconds]" >&2
    exit 2
    ;;
esac
