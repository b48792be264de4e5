#!/usr/bin/env bash
# tests/outside_project.sh BUILD: installs BUILD with --destdir into a scratch
# prefix and builds examples/ there as a project of its own would (make with
# pkg-config, and meson), then runs its drivers and, with clang, a libFuzzer
# binary. The proof that a user can adopt fugue. Exit 0 when all of it works.
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/fugue-outside-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build" --destdir "$tmp/dest" --no-rebuild >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
pc=$(dirname "$(find "$tmp/dest" -name fugue.pc | head -1)")
export PKG_CONFIG_PATH=$pc LD_LIBRARY_PATH=$(dirname "$pc")
echo "outside: installed in $tmp/dest; pkg-config --libs fugue-driver: $(pkg-config --libs fugue-driver)"
readelf -d "$LD_LIBRARY_PATH/libfugue.so" | grep -q 'SONAME.*libfugue.so.0' || { echo "outside: libfugue.so has no versioned SONAME"; exit 1; }

check() {   # check DIR: the drivers of both targets run and pass
  local d=$1 t
  for t in bank ticker; do
    "$d/$t" random --iterations 300 --quiet | grep -q "300 runs from seed 1, 0 failures" || { echo "outside: $d/$t random failed"; exit 1; }
    "$d/$t" replay --hex 00ff01 | grep -q '^hex: pass hash' || { echo "outside: $d/$t replay --hex failed"; exit 1; }
  done
  "$d/bank" list | grep -q '^bank .*bank.c' || { echo "outside: $d/bank list"; exit 1; }
}

cp -r "$src/examples" "$tmp/make"
make -s -C "$tmp/make" CC="${CC:-cc}"
check "$tmp/make"
echo "outside: make + pkg-config: bank and ticker pass 300 random runs each"

cp -r "$src/examples" "$tmp/meson"
(cd "$tmp/meson" && CC="${CC:-cc}" meson setup build >setup.log 2>&1 && ninja -C build >build.log 2>&1) \
  || { cat "$tmp/meson/setup.log" "$tmp/meson/build.log" 2>/dev/null | tail -30; exit 1; }
check "$tmp/meson/build"
echo "outside: meson dependency('fugue-driver'): both pass"

if command -v clang >/dev/null; then
  make -s -C "$tmp/make" fuzz CC=clang
  for t in bank ticker; do
    "$tmp/make/$t-libfuzzer" -runs=2000 >"$tmp/$t.fuzz.log" 2>&1 || { tail -20 "$tmp/$t.fuzz.log"; exit 1; }
  done
  echo "outside: libFuzzer binaries of both ran 2000 inputs"
fi
