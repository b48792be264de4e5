# Shared by scripts/fuzz, ci-fuzz, replay, minimize: the clang build that has
# every engine, and the environment AFL++ needs (no hand steps).
# shellcheck shell=bash
FUGUE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${FUGUE_FUZZ_BUILD:-build/fuzzing}


# fuzz_build [ninja targets...]: configures build/fuzzing with clang once, then builds
fuzz_build() {
  cd "$FUGUE_ROOT" || exit 2
  # installs clang, meson, afl++... when missing (a no-op when all is there)
  if [ -x scripts/bootstrap ] && [ -z "${FUGUE_NO_BOOTSTRAP:-}" ]; then
    scripts/bootstrap || { echo "fugue: scripts/bootstrap failed" >&2; exit 2; }
  fi
  # a fresh clone has no build/ yet: the logs below live beside $BUILD
  mkdir -p "$(dirname "$BUILD")" || exit 2
  if [ ! -f "$BUILD/build.ninja" ]; then
    CC=${CC:-clang} meson setup "$BUILD" -Dtests=false -Dbench=false -Dfuzzers=auto >"$BUILD.setup.log" 2>&1 \
      || { cat "$BUILD.setup.log"; echo "fugue: meson setup failed" >&2; exit 2; }
  fi
  ninja -C "$BUILD" "$@" >"$BUILD.build.log" 2>&1 \
    || { tail -40 "$BUILD.build.log"; echo "fugue: build failed" >&2; exit 2; }
}

# every target under fuzz/, by name
fuzz_targets() {
  sed -n "s/^FG_TARGET(\([a-zA-Z0-9_]*\).*/\1/p" "$FUGUE_ROOT"/fuzz/*.c | sort
}

# AFL++ without root or hand steps: no CPU governor check, no core_pattern
# check, no curses UI, affinity only if a core is free.
afl_env() {
  # afl-fuzz refuses custom sanitizer options it didn't ask for; its binaries have no ASan
  unset LSAN_OPTIONS ASAN_OPTIONS UBSAN_OPTIONS MSAN_OPTIONS
  export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_TRY_AFFINITY=1
  export AFL_QUIET=1 AFL_IGNORE_UNKNOWN_ENVS=1
}

# The random tail for AFL++ (harness/afl_mutator.c, docs/harness.md): sets afl_mutator
# to the variables afl-fuzz runs with (env "${afl_mutator[@]}" afl-fuzz ...). The mutator
# runs in afl-fuzz, which knows no target: FUGUE_STRATEGY (and FUGUE_DEPTH) tell it
# the strategy its inputs carry, the target's own (its driver $1 says) unless set. FUGUE_AFL_MUTATOR:
# only (the default: its mutations alone), mixed (AFL++'s havoc and splicing too), 0 (none).
afl_mutator_vars() {
  local mode=${FUGUE_AFL_MUTATOR:-only} so info d
  afl_mutator=()
  case $mode in
    0) return 0 ;;
    only) afl_mutator=(AFL_CUSTOM_MUTATOR_ONLY=1) ;;
    mixed) ;;
    *) echo "fugue: FUGUE_AFL_MUTATOR=$mode is none of only, mixed, 0" >&2; return 2 ;;
  esac
  so=$(cd "$FUGUE_ROOT" && realpath "$BUILD/fuzz/libfugue-afl-mutator.so") || return 2
  afl_mutator+=(AFL_CUSTOM_MUTATOR_LIBRARY="$so")
  [ -z "${FUGUE_STRATEGY:-}" ] || return 0
  info=$("$1" info) || return 2
  afl_mutator+=(FUGUE_STRATEGY="$(sed -n 's/^strategy: //p' <<<"$info")")
  d=$(sed -n 's/^depth: //p' <<<"$info")
  [ "${d:-0}" = 0 ] || [ -n "${FUGUE_DEPTH:-}" ] || afl_mutator+=(FUGUE_DEPTH="$d")
}

# seconds from 90, 90s, 5m, 4h; status 1 for anything else
to_seconds() {
  [[ ${1:-} =~ ^([0-9]+)([smh]?)$ ]] || return 1
  case ${BASH_REMATCH[2]} in
    h) echo $((BASH_REMATCH[1] * 3600)) ;;
    m) echo $((BASH_REMATCH[1] * 60)) ;;
    *) echo $((BASH_REMATCH[1])) ;;
  esac
}

# one line per target: name, file, strategy, planted bug (from each driver's `list`)
list_targets() {
  local t ts=()
  for t in $(fuzz_targets); do ts+=("fuzz/$t"); done
  fuzz_build "${ts[@]}"
  printf '%-14s %-22s %-9s %s\n' target file strategy "planted bug"
  for t in $(fuzz_targets); do "$BUILD/fuzz/$t" list | tail -n +2; done
}

# libFuzzer (clang 14) leaks its own C++ objects at exit (we are C: nothing of ours
# comes from operator new); LeakSanitizer must not call that a crash. Leaks
# inside runs are still reported.
lsan_env() {
  mkdir -p "$FUGUE_ROOT/out"
  printf 'leak:fuzzer::FuzzerDriver\nleak:libstdc++.so\n' >"$FUGUE_ROOT/out/lsan.supp"
  export LSAN_OPTIONS=suppressions=$FUGUE_ROOT/out/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
}
