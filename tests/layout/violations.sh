#!/usr/bin/env bash
# violations.sh CHECK SOURCE_DIR — breaks each ownership rule once, in a
# throwaway copy of the tree (one violation at a time), and expects CHECK to
# report it.
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
[ $# -ge 2 ] || { echo "usage: violations.sh CHECK SOURCE_DIR" >&2; exit 2; }
check=$1
src=$2
status=0

# One copy of the tree, committed, so each violation is undone by a reset.
mkdir -p "$work/tree"
(cd "$src" && git ls-files -co --exclude-standard | grep -v -E '^build[^/]*/' |
  tar -cf - -T -) | tar -xf - -C "$work/tree"
(cd "$work/tree" && git init -q && git add -A >/dev/null 2>&1 &&
  git -c user.name=green -c user.email=green@localhost commit -q -m tree) ||
  { echo "violations.sh: cannot copy the tree at $src into a git repository" >&2; exit 2; }

# expect NAME FILE LINE: with LINE appended to FILE (in the copy), the check
# must fail and name FILE.
expect() {
  local name=$1 file=$2 line=$3
  mkdir -p "$work/tree/$(dirname "$file")"
  echo "$line" >>"$work/tree/$file"
  (cd "$work/tree" && git add -A >/dev/null 2>&1)
  local out
  out=$("$check" "$work/tree" 2>&1)
  if [ $? -ne 0 ] && grep -q -F "$file" <<<"$out"; then
    echo "caught: $name ($(grep -F "$file" <<<"$out" | head -1))"
  else
    echo "NOT CAUGHT: $name — the check passed with $file containing: $line"
    status=1
  fi
  (cd "$work/tree" && git reset -q --hard && git clean -q -f -d)
}

expect "Boost.Context outside fiber.h" runtime/src/core/hub.cpp '#include <boost/context/detail/fcontext.hpp>'
expect "ev.h outside loop.cpp" runtime/src/core/timers.cpp '#include <ev.h>'
expect "dlsym outside real.cpp" interpose/src/io/hooks_rw.cpp 'static void* p = dlsym(RTLD_NEXT, "read");'
expect "OpenSSL outside libgreen_tls" runtime/src/toolkit/socket.cpp '#include <openssl/ssl.h>'
expect "runtime includes the interposer" runtime/src/toolkit/socket.cpp '#include "io/fdtable.h"'
expect "interposer includes a runtime source header" interpose/src/io/hooks_rw.cpp '#include "core/hub_core.h"'
expect "two files with one name" interpose/src/threads/fork.h '// a second fork.h'
# (split so that this file does not match the rule itself)
expect "a script test with its own temp dir" tests/interpose/run_case.sh 'tmp=$(mk''temp -d)'
expect "a script test without lib.sh" tests/interpose/new_case.sh 'echo "a new script test"'
exit $status
