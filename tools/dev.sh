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
#   tools/dev.sh format  apply .clang-format to every C/C++ file of the tree
#   tools/dev.sh lint [BASE]
#                        check the files changed since BASE (default: where this
#                        branch left main; uncommitted changes included):
#                        clang-format --dry-run -Werror, then clang-tidy (.clang-tidy)
#
# Build trees: build/ (normal), build-asan/, build-tsan/, build-release/,
# build-fuzz/ — next to this checkout's sources.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

packages=(g++ cmake ninja-build pkg-config libboost-context-dev libev-dev libgtest-dev libbenchmark-dev
          valgrind curl wget python3 procps binutils bsdutils gzip tar clang-format clang-tidy
          # libgreen_tls (green/tls.h) and its tests
          libssl-dev
          # tests/clients: real client libraries against real servers
          libpq-dev postgresql libhiredis-dev redis-server libcurl4-openssl-dev openssl
          libmariadb-dev mariadb-server
          # the Debian package test (dpkg-deb, cpack) and the gdb extension's test
          dpkg-dev gdb
          # tools/green-trace's page, rendered headless by tests/tools/trace_test.sh
          chromium
          # CPython's own suites under the preload (tests/sys/cpython_suite.sh)
          libpython3.11-testsuite
          # a language runtime's threads under green-threads mode (tests/threads/lang_threads.sh)
          ruby)

install_missing() {
  local missing=() installed
  # One dpkg-query for all: it costs a fraction of a second per call.
  installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" "$@" 2>/dev/null |
              awk '/ install ok installed$/ { print $1 }' || true)
  for p in "${packages[@]}" "$@"; do
    grep -qx -- "$p" <<< "$installed" || missing+=("$p")
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

# configure DIR [cmake options...]: configure a tree. The options a tree needs
# are passed on every run, never left to its cache: whichever command ran
# first, a tree is configured the way this command needs it.
configure() {
  local dir=$1
  shift
  cmake -S "$root" -B "$root/$dir" -G Ninja "$@" >/dev/null
}

# build DIR [cmake options...]: configure and build a whole tree.
build() {
  configure "$@"
  cmake --build "$root/$1" -j "$jobs"
}

# The normal tree (build/) is shared by demo and test; both configure it
# with the same options, so neither undoes the other.
normal_options=(-DGREEN_BUILD_TESTS=ON -DGREEN_BUILD_EXAMPLES=ON -DGREEN_BUILD_BENCH=ON
                -DGREEN_ASAN=OFF -DGREEN_TSAN=OFF -DGREEN_FUZZ=OFF)

demo() {
  install_missing
  configure build "${normal_options[@]}"
  # Only the demo: the rest of the tree is the test command's work.
  cmake --build "$root/build" -j "$jobs" --target patch_demo
  exec "$root/build/examples/patch_demo"
}

run_tests() {
  install_missing
  local status=0
  build build-asan -DGREEN_ASAN=ON -DGREEN_TSAN=OFF -DGREEN_FUZZ=OFF -DGREEN_BUILD_TESTS=ON \
    -DGREEN_BUILD_EXAMPLES=ON -DGREEN_BUILD_BENCH=ON
  echo "== ASan+UBSan tree =="
  # --no-tests=error: a tree that has no tests is a failure, not a pass.
  # clients: real servers' start-up dominates them; the normal tree runs them.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure --no-tests=error \
    -LE 'install|plain_only|clients' || status=1
  build build "${normal_options[@]}"
  echo "== normal tree =="
  # Last: ctest's summary is the last thing this prints.
  ctest --test-dir "$root/build" -j "$jobs" --output-on-failure --no-tests=error || status=1
  return $status
}

tsan() {
  install_missing
  build build-tsan -DGREEN_TSAN=ON -DGREEN_ASAN=OFF -DGREEN_FUZZ=OFF -DGREEN_BUILD_TESTS=ON \
    -DGREEN_BUILD_BENCH=OFF -DGREEN_BUILD_EXAMPLES=OFF
  TSAN_OPTIONS=halt_on_error=1 ctest --test-dir "$root/build-tsan" -j "$jobs" --output-on-failure \
    --no-tests=error -L unit
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
  build build-release -DCMAKE_BUILD_TYPE=Release -DGREEN_BUILD_TESTS=OFF -DGREEN_BUILD_EXAMPLES=ON \
    -DGREEN_BUILD_BENCH=ON -DGREEN_ASAN=OFF -DGREEN_TSAN=OFF -DGREEN_FUZZ=OFF
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
  build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DGREEN_FUZZ=ON -DGREEN_ASAN=OFF -DGREEN_TSAN=OFF \
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

# format and lint: clang-format 14 and clang-tidy 14 (Debian 12's), the
# versions the layout.format test and CI use; another version formats
# differently.
clang_tool() {
  command -v "$1-14" || command -v "$1" || {
    echo "green: $1 is not installed (apt-get install $1)" >&2
    exit 1
  }
}

format() {
  install_missing
  local cf
  cf=$(clang_tool clang-format) || exit 1
  CLANG_FORMAT=$cf "$root/tests/layout/check_format.sh" "$root" --fix
}

# The C/C++ files changed since BASE, committed or not, that still exist.
changed_files() {
  local base=$1
  (cd "$root" && { git diff --name-only --diff-filter=d "$base" --; git ls-files -o --exclude-standard; } |
    sort -u | grep -E '^(runtime|interpose|tests|bench|examples|tools)/.*\.(c|cc|cpp|h|hpp)$' || true)
}

lint() {
  install_missing
  local base=${1:-}
  if [ -z "$base" ]; then
    base=$(cd "$root" && git merge-base HEAD main 2>/dev/null || git rev-parse HEAD)
  fi
  (cd "$root" && git rev-parse -q --verify "$base^{commit}" >/dev/null) || {
    echo "green: lint: $base is not a commit (give a branch, tag or commit to compare with)" >&2
    exit 2
  }
  local files
  mapfile -t files < <(changed_files "$base")
  if [ ${#files[@]} -eq 0 ]; then
    echo "lint: no C/C++ file changed since $base"
    return 0
  fi
  local status=0 cf tidy
  cf=$(clang_tool clang-format) || exit 1
  tidy=$(clang_tool clang-tidy) || exit 1
  echo "== clang-format (${#files[@]} changed files) =="
  CLANG_FORMAT=$cf "$root/tests/layout/check_format.sh" "$root" "${files[@]}" || status=1
  # clang-tidy reads the normal tree's compile commands (configuring is
  # enough); it checks translation units, and headers through them.
  cmake -S "$root" -B "$root/build" -G Ninja >/dev/null
  local units=()
  local f
  for f in "${files[@]}"; do
    case "$f" in *.c | *.cc | *.cpp) units+=("$f") ;; esac
  done
  if [ ${#units[@]} -gt 0 ]; then
    echo "== clang-tidy (${#units[@]} changed sources) =="
    (cd "$root" && "$tidy" -p "$root/build" --quiet "${units[@]}") || status=1
  fi
  return $status
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
  format) format ;;
  lint)
    shift
    lint "$@"
    ;;
  *)
    echo "usage: tools/dev.sh demo|test|tsan|bench [bench.py options]|fuzz [seconds]|format|lint [base]" >&2
    exit 2
    ;;
esac
