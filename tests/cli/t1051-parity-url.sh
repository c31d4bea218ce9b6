#!/bin/bash
# Parity with `go tool pprof` on URL sources: a local server serves the fixture profiles under
# /debug/pprof/, and `goscope top URL...` must print what `go tool pprof -top` prints when it
# fetches the same URLs itself.
. "$(dirname "$0")/lib.sh"

profiles=$(fixture_profiles) || exit 1
pp_init
PP_ROOT=$profiles

# A server that answers with the fixture files' bytes.
fixture_serve "$profiles"
base=$FIXTURE_URL

for name in cpu cpu2 heap allocs block mutex goroutine; do
	pp_case top "$base/$name"
done
pp_case top -cum -nodecount=10 "$base/heap"
pp_case top "$base/cpu" "$base/cpu2"

finish
