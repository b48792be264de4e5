#!/bin/sh
# bench_posix: the pthread layer's figures (bench_posix.c, built by scripts/fugue-cc), one natural run
FUGUE_PROFILE_RUNS=0 exec "$(dirname "$0")/posix_bench_prog" replay /dev/null
