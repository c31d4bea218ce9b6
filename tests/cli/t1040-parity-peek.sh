#!/bin/bash
# Parity of `goscope peek` with `go tool pprof`: `goscope peek REGEX FLAGS SRC` against
# `go tool pprof -peek=REGEX FLAGS SRC` (REGEX is each profile's PEEK field), byte for byte, over the flag matrix of lib.sh (pp_cases) on the labelled fixture profiles
# (FULL) and on `go test` profiles of standard-library benchmarks (SHORT).
. "$(dirname "$0")/lib.sh"

fixture_profiles >/dev/null || exit 1
pp_init
pp_matrix peek FULL
pp_matrix peek SHORT
finish
