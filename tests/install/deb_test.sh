#!/usr/bin/env bash
# The Debian package (issue 20): `cpack -G DEB` in the build tree makes
# green_<version>_<arch>.deb; unpacked with dpkg -x into a throwaway root, it
# holds green-run, the libraries in the multiarch lib dir, the headers, the
# CMake package, green.pc, green-run(1), the docs and the gdb extension, and
# the consumer project (tests/install/consumer) builds and runs against it.
#
# usage: deb_test.sh BUILD_DIR SOURCE_DIR LIBDIR VERSION GENERATOR
set -euo pipefail
build=$1 src=$2 libdir=$3 version=$4 generator=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/pkg" > "$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack -G DEB"; }
arch=$(dpkg --print-architecture)
deb=$work/pkg/green_${version}_${arch}.deb
[ -f "$deb" ] || { ls "$work/pkg"; fail "cpack made no $(basename "$deb")"; }
echo "built $(basename "$deb")"
dpkg-deb -f "$deb" Package Version Architecture Depends

multiarch=$(gcc -print-multiarch 2>/dev/null || true)
if [ -n "$multiarch" ] && [ "$libdir" != "lib/$multiarch" ]; then
  fail "the libraries go to $libdir, not the multiarch lib/$multiarch"
fi

root=$work/root
dpkg -x "$deb" "$root"
for f in usr/bin/green-run "usr/$libdir/libgreen.so" "usr/$libdir/libgreen_preload.so" \
         "usr/$libdir/libgreen_interpose.so" usr/include/green/green.h usr/include/green/patch.h \
         "usr/$libdir/cmake/green/greenConfig.cmake" "usr/$libdir/pkgconfig/green.pc" \
         usr/share/man/man1/green-run.1.gz usr/share/doc/green/README.md usr/share/doc/green/interposition.md \
         "usr/share/gdb/auto-load/usr/$libdir/libgreen.so.$version-gdb.py"; do
  [ -e "$root/$f" ] || { (cd "$root" && find . -type f | sort); fail "the package has no /$f"; }
done
# Everything lives under /usr: a staging directory leaking into a path would not.
if (cd "$root" && find . -mindepth 1 | grep -v -E '^\./usr(/|$)'); then fail "paths outside /usr in the package"; fi
# gdb auto-loads the extension for the library's real file (the soname link resolved).
[ "$(readlink -f "$root/usr/$libdir/libgreen.so")" = "$root/usr/$libdir/libgreen.so.$version" ] ||
  fail "libgreen.so does not resolve to libgreen.so.$version (the gdb extension's name)"

out=$("$root/usr/bin/green-run" --version)
[ "$out" = "green-run (green) $version" ] || fail "green-run --version said '$out'"
preload=$("$root/usr/bin/green-run" -- sh -c 'echo "$LD_PRELOAD"')
[ "$preload" = "$root/usr/$libdir/libgreen_preload.so" ] || fail "green-run preloads '$preload'"
zcat "$root/usr/share/man/man1/green-run.1.gz" | grep -q "print green's version" || fail "green-run(1) lacks --version"

cmake -S "$src/tests/install/consumer" -B "$work/consumer" -G "$generator" -DCMAKE_PREFIX_PATH="$root/usr" \
  -DCMAKE_BUILD_RPATH="$root/usr/$libdir" > "$work/consumer.log" 2>&1 || { cat "$work/consumer.log"; fail "configure"; }
cmake --build "$work/consumer" >> "$work/consumer.log" 2>&1 || { cat "$work/consumer.log"; fail "build"; }
exes=(consumer consumer_c consumer_patched)
# libgreen_tls is built where OpenSSL is: then the package holds it and its header.
if [ -e "$build/runtime/libgreen_tls.so" ]; then
  for f in "usr/$libdir/libgreen_tls.so" usr/include/green/tls.h; do
    [ -e "$root/$f" ] || fail "the package has no /$f"
  done
  exes+=(consumer_tls)
fi
for exe in "${exes[@]}"; do
  "$work/consumer/$exe" > /dev/null || fail "$exe (built against the package) failed"
done
echo "the consumer project builds and runs against the unpacked package"
