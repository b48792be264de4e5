#!/usr/bin/env bash
# bench_wasm: sims/s of ping_pong under node (WebAssembly, scripts/wasm) against the native driver, in
# the same run: `random` on both, 3 interleaved rounds, the best of each (wall clock: node's JIT
# threads would count in CPU time). Prints "name: value unit"; says it skipped where emscripten is
# missing (it does not install it: scripts/bootstrap emscripten does).
#   bench_wasm.sh [NATIVE_PING_PONG_DRIVER]
set -euo pipefail
src='@SOURCE_ROOT@' native='@BUILD_ROOT@/fuzz/ping_pong'
case $src in @*) src=$(cd "$(dirname "$0")/.." && pwd) native=$src/build/bench/fuzz/ping_pong ;; esac
native=${1:-$native}
if ! "$src/scripts/wasm" --no-install 2>/tmp/bench_wasm.$$; then
  rc=$?
  echo "bench_wasm: skipped: $(tail -1 /tmp/bench_wasm.$$)"
  rm -f /tmp/bench_wasm.$$
  [ $rc = 77 ] && exit 0 || exit $rc
fi
rm -f /tmp/bench_wasm.$$
[ -x "$native" ] || { echo "bench_wasm: no native driver $native (give its path)" >&2; exit 2; }
node=${FUGUE_WASM_BUILD:-$src/build/wasm}/web/fugue-targets.js

# runs/s that `random` reports over N runs of ping_pong
rate() {
  FUGUE_QUIET=1 "$@" random --seed 1 --iterations "$n" --no-save --quiet 2>/dev/null |
    sed -n 's/.* \([0-9.]*\) runs\/s$/\1/p'
}
best_native=0 best_node=0
for round in 1 2 3; do
  n=200000; r=$(rate "$native"); best_native=$(echo "$r $best_native" | awk '{print ($1 > $2) ? $1 : $2}')
  n=30000; r=$(rate node "$node" ping_pong); best_node=$(echo "$r $best_node" | awk '{print ($1 > $2) ? $1 : $2}')
done
echo "wasm_ping_pong_native: $best_native sims/s"
echo "wasm_ping_pong_node: $best_node sims/s"
awk -v a="$best_native" -v b="$best_node" 'BEGIN { printf "wasm_ping_pong_native_over_node: %.1f x\n", (b > 0) ? a / b : 0 }'
