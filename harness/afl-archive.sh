#!/bin/sh
# Compiles the core and harness once with afl-clang-fast into a static archive
# that every <target>-afl links (meson can't switch compilers per target),
# and writes OUT.d naming every header read, so a header change rebuilds it.
# usage: afl-archive.sh OUT.a CC [FLAGS...] -- SOURCES...
set -eu
out=$1; cc=$2; shift 2
flags=
while [ "$1" != -- ]; do flags="$flags $1"; shift; done
shift
tmp=$(mktemp -d "$out.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
i=0
for src in "$@"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  "$cc" $flags -MD -MF "$tmp/$i.d" -c "$src" -o "$tmp/$i-$(basename "$src").o"
done
rm -f "$out"
ar rcs "$out" "$tmp"/*.o
# one rule for the archive: every .d's prerequisites, the .o targets dropped
{ printf '%s:' "$out"; sed -e 's/^[^:]*://' -e 's/\\$//' "$tmp"/*.d | tr -s ' \n' '  '; echo; } >"$out.d"
