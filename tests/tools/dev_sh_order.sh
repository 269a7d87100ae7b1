#!/usr/bin/env bash
# tools/dev.sh's two README commands in either order (issue 20): each must
# configure the normal tree with the options it needs, whatever the other
# left in the cache, and ctest must treat "no tests" as a failure.
#
# dev.sh runs from a copy in a throwaway root with cmake and ctest replaced by
# recorders on PATH: what is checked is what dev.sh asks of them, not a build.
# Usage: dev_sh_order.sh SOURCE_DIR
set -euo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/tools" "$work/bin"
cp "$src/tools/dev.sh" "$work/root/tools/"
log=$work/calls.log

# cmake: log every call; "--target patch_demo" leaves a demo that prints.
cat > "$work/bin/cmake" <<'FAKE'
#!/usr/bin/env bash
echo "cmake $*" >> "$DEV_SH_LOG"
if [[ " $* " == *" --target patch_demo "* ]]; then
  dir=$2
  mkdir -p "$dir/examples"
  printf '#!/bin/sh\necho demo ran\n' > "$dir/examples/patch_demo"
  chmod +x "$dir/examples/patch_demo"
fi
FAKE
cat > "$work/bin/ctest" <<'FAKE'
#!/usr/bin/env bash
echo "ctest $*" >> "$DEV_SH_LOG"
FAKE
chmod +x "$work/bin/cmake" "$work/bin/ctest"

run() {
  : > "$log"
  # install_missing: every package counts as installed (dpkg-query is not faked,
  # so a package missing here would be installed, as the command promises).
  DEV_SH_LOG=$log PATH="$work/bin:$PATH" "$work/root/tools/dev.sh" "$1" > "$work/out" 2>&1 ||
    { echo "FAIL: dev.sh $1 exited non-zero:"; cat "$work/out"; exit 1; }
}

# every configure of build/ (the normal tree) must switch the tests on.
check_normal_tree() {
  local cmd=$1 configures
  configures=$(grep -E "^cmake -S .* -B $work/root/build( |$)" "$log" || true)
  [ -n "$configures" ] || { echo "FAIL: dev.sh $cmd never configured build/"; cat "$log"; exit 1; }
  while read -r line; do
    for opt in -DGREEN_BUILD_TESTS=ON -DGREEN_BUILD_EXAMPLES=ON -DGREEN_ASAN=OFF -DGREEN_TSAN=OFF; do
      [[ " $line " == *" $opt "* ]] || { echo "FAIL: dev.sh $cmd configures build/ without $opt: $line"; exit 1; }
    done
  done <<< "$configures"
}

check_ctest() {
  local n
  n=$(grep -c '^ctest ' "$log" || true)
  [ "$n" -ge 2 ] || { echo "FAIL: dev.sh test ran ctest $n times (normal and ASan trees expected)"; exit 1; }
  if grep '^ctest ' "$log" | grep -v -- '--no-tests=error'; then
    echo "FAIL: a ctest run above would pass with no tests"
    exit 1
  fi
}

for order in "demo test" "test demo"; do
  for cmd in $order; do
    run "$cmd"
    check_normal_tree "$cmd"
    [ "$cmd" = test ] && check_ctest
    [ "$cmd" = demo ] && { grep -q "demo ran" "$work/out" || { echo "FAIL: demo did not run the demo"; exit 1; }; }
  done
  echo "order '$order': ok"
done
