#!/usr/bin/env bash
# Installs what goscope needs to build and test on Debian/Ubuntu: compilers, CMake and Ninja,
# the libraries (zlib, libcurl, PCRE2, elfutils, libmicrohttpd, cmocka), and a Go toolchain
# (1.21+) for the fixtures; for the whole test suite also clang (the fuzz preset) and qemu's
# user-mode emulator with the arm64 C library's loader (arm64 fixtures run under it to make
# arm64 core files). GOSCOPE_DEPS=build installs only what building and the demo need.
# Idempotent: installs only what is missing. Needs root (or sudo) for apt.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config zlib1g-dev libcurl4-openssl-dev
  libpcre2-dev libelf-dev libdw-dev libmicrohttpd-dev libcmocka-dev curl python3 man-db)
case "${GOSCOPE_DEPS:-all}" in
build) ;;
all) packages+=(clang qemu-user libc6-arm64-cross) ;;
*) echo "install-deps: GOSCOPE_DEPS must be 'build' or 'all'" >&2; exit 64 ;;
esac

missing=()
for p in "${packages[@]}"; do
  [ -n "$p" ] || continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else sudo=none; fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$sudo" = none ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run this script as root (or install sudo) to install them" >&2
    exit 2
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Go: the demo and the tests build Go fixtures, and the parity tests compare with the Go
# toolchain's own tools. Use Go 1.21+ if the machine has it; otherwise bring Debian's Go and
# use it to fetch the Go toolchain as a Go module (what GOTOOLCHAIN does), into a cache.
. "$(dirname "$0")/go-env.sh"
if [ -z "$GOSCOPE_GO" ]; then
  want=${GOSCOPE_GO_VERSION:-go1.26.8}
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  boot=$(command -v go || true)
  if [ -z "$boot" ]; then
    echo "install-deps: no Go toolchain found; installing Debian's golang-go to fetch $want" >&2
    [ "$sudo" != none ] || { echo "install-deps: run as root (or install sudo) to install Go" >&2; exit 2; }
    $sudo apt-get install -y -qq --no-install-recommends golang-go ca-certificates >/dev/null
    boot=$(command -v go)
  fi
  echo "install-deps: fetching the $want toolchain module into $GOSCOPE_GO_CACHE" >&2
  tmp=$(mktemp -d)
  dir=$(cd "$tmp" && GOFLAGS=-mod=mod GOPATH="$tmp/gopath" "$boot" mod download -json \
    "golang.org/toolchain@v0.0.1-$want.linux-$arch" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "install-deps: could not fetch the Go toolchain $want" >&2
    exit 2
  fi
  rm -rf "$GOSCOPE_GO_CACHE" && mkdir -p "$(dirname "$GOSCOPE_GO_CACHE")"
  cp -r "$dir" "$GOSCOPE_GO_CACHE"
  chmod -R u+w "$tmp" "$GOSCOPE_GO_CACHE" && rm -rf "$tmp"
  # Module zips keep no file modes: make the toolchain's programs executable again.
  chmod +x "$GOSCOPE_GO_CACHE"/bin/* "$GOSCOPE_GO_CACHE"/pkg/tool/*/*
  . "$(dirname "$0")/go-env.sh"
  if [ -z "$GOSCOPE_GO" ]; then
    echo "install-deps: the fetched Go toolchain does not run" >&2
    exit 2
  fi
fi
echo "install-deps: ok ($("$GOSCOPE_GO" version))" >&2
