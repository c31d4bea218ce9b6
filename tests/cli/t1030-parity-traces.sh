#!/bin/bash
# Parity of `goscope traces` with `go tool pprof`: goscope traces FLAGS SRC against go tool pprof -traces FLAGS SRC,
# byte for byte, over the flag matrix of lib.sh (pp_cases) on the labelled fixture profiles
# (FULL) and on `go test` profiles of standard-library benchmarks (SHORT).
. "$(dirname "$0")/lib.sh"

fixture_profiles >/dev/null || exit 1
pp_init
pp_matrix traces FULL
pp_matrix traces SHORT
finish
