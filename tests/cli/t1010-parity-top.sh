#!/bin/bash
# Parity of `goscope top` with `go tool pprof`: goscope top FLAGS SRC against go tool pprof -top FLAGS SRC,
# byte for byte, over the flag matrix of lib.sh (pp_cases) on the labelled fixture profiles
# (FULL) and on `go test` profiles of standard-library benchmarks (SHORT).
. "$(dirname "$0")/lib.sh"

fixture_profiles >/dev/null || exit 1
pp_init
pp_matrix top FULL
pp_matrix top SHORT
finish
