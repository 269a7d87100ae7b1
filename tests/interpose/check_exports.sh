#!/usr/bin/env bash
# check_exports.sh DEF LIBRARY — the library exports exactly the symbols
# listed in hooked_symbols.def (nm -D --defined-only), nothing more or less.
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
set -e
def=$1 lib=$2
need nm binutils
want=$(sed -n 's/^HOOK([a-z]*, *\([A-Za-z0-9_]*\)).*/\1/p' "$def" | sort)
have=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort)
if [ "$want" = "$have" ]; then
  echo "$(echo "$want" | wc -l) hooked symbols, all exported, nothing else"
  exit 0
fi
echo "export map and hooked_symbols.def differ (< list only, > library only):"
diff <(echo "$want") <(echo "$have")
exit 1
