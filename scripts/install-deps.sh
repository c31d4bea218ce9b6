#!/usr/bin/env bash
# Installs what goscope needs to build and test on Debian/Ubuntu: compilers, CMake and Ninja,
# the libraries (zlib, libcurl, PCRE2, elfutils, libmicrohttpd, cmocka), clang for the fuzz
# preset, and checks for the Go toolchain the tests build fixtures with. Idempotent: installs
# only what is missing. Needs root (or sudo) for apt.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config zlib1g-dev libcurl4-openssl-dev
  libpcre2-dev libelf-dev libdw-dev libmicrohttpd-dev libcmocka-dev clang curl python3)
if [ "${GOSCOPE_WITH_FUZZ:-1}" = 0 ]; then
  packages=("${packages[@]/clang}")
fi

missing=()
for p in "${packages[@]}"; do
  [ -n "$p" ] || continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run this script as root (or install sudo) to install them" >&2
    exit 2
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

go=$(command -v go || true)
[ -n "$go" ] || { [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go; }
if [ -z "$go" ]; then
  echo "install-deps: no Go toolchain found (looked on PATH and in /usr/local/go/bin)." >&2
  echo "install-deps: the demo and the tests build Go fixtures; install Go 1.21 or newer." >&2
  exit 2
fi
echo "install-deps: ok ($("$go" version))" >&2
