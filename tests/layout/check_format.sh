#!/usr/bin/env bash
# check_format.sh SOURCE_DIR [--fix] [FILE...] — the C and C++ files follow
# .clang-format. Without FILE, every C/C++ file of green's own under runtime/,
# interpose/, tests/, bench/, examples/ and tools/ (build trees aside). Exits 1
# naming the files clang-format would change; with --fix, changes them.
# $CLANG_FORMAT names the binary (default clang-format-14, else clang-format):
# another version formats differently, so the check uses the one CI installs.
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
[ $# -ge 1 ] || { echo "usage: check_format.sh SOURCE_DIR [--fix] [FILE...]" >&2; exit 2; }
src=$1
shift
fix=0
if [ "${1:-}" = --fix ]; then
  fix=1
  shift
fi
cd "$src" 2>/dev/null || { echo "check_format.sh: no source tree at $src" >&2; exit 2; }
[ -f .clang-format ] || { echo "check_format.sh: $src has no .clang-format" >&2; exit 2; }
cf=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format)}
[ -n "$cf" ] || skip "clang-format is not installed (apt-get install clang-format)"

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files -co --exclude-standard -- runtime interpose tests bench examples tools |
    grep -E '\.(c|cc|cpp|h|hpp)$' | grep -v -E '^build[^/]*/')
fi
[ ${#files[@]} -gt 0 ] || { echo "format: no C/C++ files to check"; exit 0; }

if [ $fix = 1 ]; then
  "$cf" -i --style=file "${files[@]}" || exit 1
  echo "format: applied $("$cf" --version | sed 's/.*version \([0-9.]*\).*/\1/') to ${#files[@]} files"
  exit 0
fi

# One run over all files; each file it would change is named in its warnings.
"$cf" --dry-run -Werror --style=file "${files[@]}" >"$work/dry" 2>&1
rc=$?
mapfile -t bad < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' "$work/dry" | sort -u)
if [ $rc -ne 0 ] && [ ${#bad[@]} -eq 0 ]; then
  echo "format: $cf failed:"
  cat "$work/dry"
  exit 1
fi
if [ ${#bad[@]} -eq 0 ]; then
  echo "format: all ${#files[@]} C/C++ files follow .clang-format"
  exit 0
fi
echo "format: ${#bad[@]} of ${#files[@]} files differ from .clang-format (tools/dev.sh format applies it):"
printf '  %s\n' "${bad[@]}"
exit 1
