#!/usr/bin/env bash
# check_layout.sh SOURCE_DIR [BUILD_DIR] — the ownership rules of the tree
# (CONTRIBUTING.md, "Who owns what"), and that script tests share
# tests/common/lib.sh. Prints every violation and exits 1 if
# there is any. With BUILD_DIR, it also installs that tree into a throwaway
# prefix and checks that only public headers were installed.
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
[ $# -ge 1 ] || { echo "usage: check_layout.sh SOURCE_DIR [BUILD_DIR]" >&2; exit 2; }
src=$1
build=${2:-}
cd "$src" || { echo "check_layout.sh: no source tree at $src" >&2; exit 2; }
fail=0
violation() { echo "layout: $*"; fail=1; }

# sources: every C/C++ file of green's own, tests included; not build trees.
sources() { git ls-files -co --exclude-standard -- '*.c' '*.cc' '*.cpp' '*.h' '*.hpp' '*.def' 2>/dev/null |
  grep -v -E '^build[^/]*/' ; }

# only_in PATTERN WHAT ALLOWED... : PATTERN may appear in code (not in a
# comment line) only in the ALLOWED files.
only_in() {
  local pattern=$1 what=$2
  shift 2
  local f
  # Files whose code (not a comment line) matches.
  while IFS= read -r f; do
    local ok=0 a
    for a in "$@"; do [ "$f" = "$a" ] && ok=1; done
    [ $ok = 1 ] || violation "$f uses $what; only $* may"
  done < <(grep -E -H "$pattern" "${files[@]}" | grep -v -E '^[^:]*:\s*//' | cut -d: -f1 | sort -u)
}
mapfile -t files < <(sources)

# Boost.Context: core/fiber.h owns it (the switch and its annotations).
# Exceptions: green/detail/yield.h, the inline half of yield, names the jump's
# result type (it is the switch's landing site, inlined into the caller);
# bench/switch_bench.cpp measures a raw Boost.Context switch as the anchor.
only_in '#include\s*<boost/context' "Boost.Context" \
  runtime/src/core/fiber.h runtime/include/green/detail/yield.h bench/switch_bench.cpp
# libev: core/loop.cpp is the only file that includes ev.h.
only_in '#include\s*[<"]ev\.h[>"]|#include\s*<libev/' "libev (ev.h)" runtime/src/core/loop.cpp
# dlsym: gate/real.cpp is the only lookup of real functions.
only_in '(^|[^_A-Za-z])dl(v)?sym\s*\(' "dlsym" interpose/src/gate/real.cpp

# OpenSSL: only libgreen_tls (runtime/src/tls/) and tests include it, so
# libgreen and the interposer never need libssl.
while IFS= read -r f; do
  case $f in
    runtime/src/tls/* | tests/*) ;;
    *) violation "$f includes OpenSSL; only runtime/src/tls/ (libgreen_tls) and tests may" ;;
  esac
done < <(printf '%s\n' "${files[@]}" | xargs -r grep -E -l '^\s*#include\s*<openssl/' | sort -u)

# One direction of dependency: interpose -> runtime. The runtime and its
# public headers never include the interposer's files.
while IFS= read -r f; do
  violation "$f includes the interposer; dependencies point interpose -> runtime only"
done < <(printf '%s\n' "${files[@]}" | grep '^runtime/' | xargs -r grep -E -H '#include\s*"(gate|io|sys|threads)/|#include\s*"green/patch\.h"|#include.*interpose/' |
  cut -d: -f1 | sort -u)

# The interposer reaches the runtime's internals through one header only.
while IFS= read -r f; do
  violation "$f includes a runtime source header; use runtime_internal.h"
done < <(printf '%s\n' "${files[@]}" | grep '^interpose/' | xargs -r grep -E -l '#include\s*"(core|greenlet|sync|toolkit|diag)/' | sort -u)

# No two source files share a name: a name says which one you mean.
dups=$(printf '%s\n' "${files[@]}" | grep -E '^(runtime|interpose)/' | sed 's#.*/##' | sort | uniq -d)
for d in $dups; do violation "two files are named $d: $(printf '%s\n' "${files[@]}" | grep -E "^(runtime|interpose)/.*/$d\$" | tr '\n' ' ')"; done

# Script tests share tests/common/lib.sh instead of copies of its pieces.
# not_yet_on_lib: scripts written on branches merged together with this rule,
# still with their own temp dirs and traps; to be moved onto lib.sh. Like a
# known-failure list, it must not go stale: a listed script that complies is
# a violation too (take it off the list).
not_yet_on_lib=" tests/clients/run_client.sh tests/install/deb_test.sh tests/interpose/shell_torture.sh
  tests/interpose/three_ways.sh tests/regression/exit_status_and_stderr.sh tests/regression/shell/issue15_scripts.sh
  tests/threads/lang_threads.sh tests/tools/dev_sh_order.sh tests/tools/gdb_test.sh "
mapfile -t scripts < <(git ls-files -co --exclude-standard -- 'tests/*.sh' 2>/dev/null |
  grep -v -E '^build[^/]*/|^tests/common/lib\.sh$')
for f in ${scripts[@]+"${scripts[@]}"}; do
  ok=1
  grep -q 'common/lib\.sh' "$f" || ok=0
  grep -q -E '\$\(mktemp|^\s*trap .*EXIT' "$f" && ok=0
  if [[ " $(echo $not_yet_on_lib) " == *" $f "* ]]; then
    [ $ok = 1 ] && violation "$f now uses lib.sh: take it off not_yet_on_lib"
    continue
  fi
  grep -q 'common/lib\.sh' "$f" || violation "$f does not source tests/common/lib.sh"
  grep -q -E '\$\(mktemp|^\s*trap .*EXIT' "$f" &&
    violation "$f makes its own temp dir or exit trap; use lib.sh's \$work and track"
done

# Installed headers are public ones only.
if [ -n "$build" ]; then
  prefix=$work/prefix
  cmake --install "$build" --prefix "$prefix" >/dev/null || violation "cmake --install failed"
  while IFS= read -r h; do
    rel=${h#"$prefix"/include/}
    if [ ! -f "runtime/include/$rel" ] && [ ! -f "interpose/include/$rel" ]; then
      violation "installed header $rel is not a public header (runtime/include, interpose/include)"
    fi
    if grep -E -q '#include\s*"runtime_internal\.h"' "$h"; then
      violation "installed header $rel includes runtime_internal.h"
    fi
  done < <(find "$prefix/include" -type f)
  for h in runtime_internal.h; do
    [ -z "$(find "$prefix" -name "$h")" ] || violation "internal header $h was installed"
  done
fi

[ $fail = 0 ] && echo "layout: every ownership rule holds"
exit $fail
