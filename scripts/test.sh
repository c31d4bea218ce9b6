#!/usr/bin/env bash
# Runs goscope's whole test suite: installs what is missing, builds the given CMake preset
# (default: dev) and runs ctest (unit tests, CLI and parity tests against the Go toolchain's
# own tools, fuzz corpus replay). Usage: scripts/test.sh [dev|asan|release] [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-dev}
shift || true
. scripts/go-env.sh
scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" "$@"
