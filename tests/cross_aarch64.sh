#!/usr/bin/env bash
# Builds the core for aarch64 with its own context switch, runs tests/trace_main.c
# under qemu, and compares every trace hash with the native build's.
set -euo pipefail
native=$1 src=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
aarch64-linux-gnu-gcc -std=c17 -O2 -D_GNU_SOURCE -I"$src/include" -I"$src/core" \
  "$src"/core/{choice,copy,ctx,fail,hint,keep,prio,sched,sim,span,stack,stats,task,timer,trace}.c "$src/core/ctx_aarch64.S" \
  "$src/tests/trace_main.c" -o "$out/trace_aarch64"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$out/trace_aarch64" >"$out/aarch64.txt"
"$native" >"$out/native.txt"
if diff -u "$out/native.txt" "$out/aarch64.txt"; then
  echo "aarch64 under qemu: $(wc -l <"$out/native.txt") lines of trace hashes identical"
else
  echo "aarch64 traces differ from native"
  exit 1
fi
