#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every target under fuzz/ that is meant to
# pass becomes $OUT/<name> (planted bugs, .expect = ..., crash on their own
# seeds and would fail every run), built with $CC $CFLAGS and linked with
# $LIB_FUZZING_ENGINE, plus $OUT/<name>_seed_corpus.zip from corpus/<name>/
# and $OUT/<name>.options with the flags scripts/fuzz gives libFuzzer. The runner image has no
# libpcap: in the builder, $SRC/libpcap (see Dockerfile) is built as a static
# library without its capture back ends (we only write files); elsewhere the
# system's -lpcap is used. Run locally with those variables set, e.g.
#   CC=clang CFLAGS="-O1 -g -fsanitize=address,fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out .clusterfuzzlite/build.sh
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${CC:=clang}" "${CFLAGS:=}" "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}" "${OUT:?set OUT}"
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

arch=$(uname -m)
ctx=()
case $arch in
  x86_64|aarch64) ctx=(core/ctx_"$arch".S) ;;
  *) CFLAGS="$CFLAGS -DFG_UCONTEXT" ;;
esac
pcap_inc=
pcap=-lpcap
if [ -d "${SRC:-/nonexistent}/libpcap" ]; then
  (cd "$SRC/libpcap" && [ -f libpcap.a ] || {
    ./configure --disable-shared --disable-dbus --disable-rdma --disable-bluetooth --disable-usb \
      --disable-netmap --without-libnl --quiet CC="${CC%% *}" CFLAGS="-O1 -fPIC" && make -s -j"$(nproc)" libpcap.a; })
  pcap=$SRC/libpcap/libpcap.a
  pcap_inc=-I$SRC/libpcap
fi
# the core and the harness, once; the driver's main and the AFL++ entry are not part of it.
# Without edge coverage (harness/nocov.txt): the fuzzer sees the target's edges and the
# schedule feedback; the core's edges were most of libFuzzer's per-run work and guide nothing.
nocov=()
case $CFLAGS in *fuzzer*|*sanitize-coverage*) nocov=(-fsanitize-coverage-ignorelist="$root/harness/nocov.txt") ;; esac
objs=()
for src in core/*.c "${ctx[@]}" harness/*.c; do
  case $src in harness/main.c|harness/afl.c) continue ;; esac
  obj=$work/$(echo "$src" | tr / _).o
  # shellcheck disable=SC2086
  $CC $CFLAGS "${nocov[@]}" -std=c17 -D_GNU_SOURCE -fno-omit-frame-pointer $pcap_inc -Iinclude -Icore -c "$src" -o "$obj"
  objs+=("$obj")
done
for f in fuzz/*.c; do
  name=$(sed -n 's/^FG_TARGET(\([a-zA-Z0-9_]*\).*/\1/p' "$f")
  [ -n "$name" ] || continue
  if sed -n '/^FG_TARGET(/,/)/p' "$f" | grep -q '\.expect *='; then
    echo "build.sh: $name skipped (a planted bug)"
    continue
  fi
  # shellcheck disable=SC2086
  $CC $CFLAGS -std=c17 -D_GNU_SOURCE -Iinclude -Icore -c "$f" -o "$work/$name.o"
  # shellcheck disable=SC2086
  $CC $CFLAGS "$work/$name.o" "${objs[@]}" $LIB_FUZZING_ENGINE $pcap -o "$OUT/$name"
  # len_control=0: a schedule needs its bytes from the start (the entry adds it too, unless
  # given); timeout as scripts/fuzz. No .dict: inputs are choice bytes, there are no tokens.
  printf '[libfuzzer]\nlen_control = 0\ntimeout = 10\n' >"$OUT/$name.options"
  if [ -d "corpus/$name" ] && [ -n "$(ls "corpus/$name")" ]; then
    rm -f "$OUT/${name}_seed_corpus.zip"
    zip -qj "$OUT/${name}_seed_corpus.zip" corpus/"$name"/*
  fi
done
