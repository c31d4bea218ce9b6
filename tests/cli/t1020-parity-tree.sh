#!/bin/bash
# Parity of `goscope tree` with `go tool pprof`: goscope tree FLAGS SRC against go tool pprof -tree FLAGS SRC,
# byte for byte, over the flag matrix of lib.sh (pp_cases) on the labelled fixture profiles
# (FULL) and on `go test` profiles of standard-library benchmarks (SHORT).
. "$(dirname "$0")/lib.sh"

fixture_profiles >/dev/null || exit 1
pp_init
pp_matrix tree FULL
pp_matrix tree SHORT
finish
