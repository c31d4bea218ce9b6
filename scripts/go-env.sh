# Sourced by goscope's scripts: puts a Go toolchain of version 1.21 or newer first on PATH.
# Looks on PATH, in /usr/local/go/bin, then in the toolchain scripts/install-deps.sh keeps in
# ${XDG_CACHE_HOME:-$HOME/.cache}/goscope/go. Sets GOSCOPE_GO to the go binary, or leaves it
# empty when none is found.
gs_go_ok() {
	local v
	v=$("$1" env GOVERSION 2>/dev/null) || return 1
	v=${v#go}
	local major=${v%%.*} rest=${v#*.}
	local minor=${rest%%[!0-9]*}
	[ "${major:-0}" -gt 1 ] || [ "${minor:-0}" -ge 21 ]
}
GOSCOPE_GO=
GOSCOPE_GO_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/goscope/go
for gs_candidate in "$(command -v go 2>/dev/null)" /usr/local/go/bin/go "$GOSCOPE_GO_CACHE/bin/go"; do
	if [ -n "$gs_candidate" ] && [ -x "$gs_candidate" ] && gs_go_ok "$gs_candidate"; then
		GOSCOPE_GO=$gs_candidate
		PATH="$(dirname "$gs_candidate"):$PATH"
		export PATH
		break
	fi
done
unset gs_candidate
