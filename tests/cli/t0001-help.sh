#!/usr/bin/env bash
# Every command answers -h and `goscope help CMD` with the same usage, which ends with an
# EXAMPLES section; every command has a man page; unknown commands and flags are usage
# errors (exit 64); --version works.
set -u
. "$SRCDIR/tests/cli/common.sh"

cmds=$("$GOSCOPE" help | awk '/^COMMANDS/{on=1; next} on && NF {print $1}')
[ -n "$cmds" ] || fail_test "goscope help lists no commands"

for c in $cmds; do
	out=$("$GOSCOPE" "$c" -h) || fail_test "'goscope $c -h' exited $?"
	case "$out" in usage:*) ;; *) fail_test "'goscope $c -h' does not start with 'usage:'" ;; esac
	printf '%s\n' "$out" | grep -q '^EXAMPLES$' || fail_test "'goscope $c -h' has no EXAMPLES section"
	n=$(printf '%s\n' "$out" | awk '/^EXAMPLES$/{on=1; next} on' | grep -c 'goscope')
	[ "$n" -ge 1 ] || fail_test "'goscope $c -h' EXAMPLES shows no goscope command"
	help=$("$GOSCOPE" help "$c") || fail_test "'goscope help $c' exited $?"
	[ "$out" = "$help" ] || fail_test "'goscope $c -h' and 'goscope help $c' differ"
	out2=$("$GOSCOPE" "$c" --help) || fail_test "'goscope $c --help' exited $?"
	[ "$out" = "$out2" ] || fail_test "'goscope $c --help' differs from -h"
	[ "$c" = help ] && continue
	page="$SRCDIR/docs/man/goscope-$c.1"
	[ -f "$page" ] || fail_test "no man page for '$c' ($page)"
	for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES; do
		grep -Eq "^\.SH \"?$section\"?\$" "$page" || fail_test "man page of '$c' lacks $section"
	done
	man_out=$(MANWIDTH=100 man -l "$page" 2>&1 >/dev/null | grep -v '^$' || true)
	[ -z "$man_out" ] || fail_test "man page of '$c' has warnings: $man_out"
	expect_exit 64 "$GOSCOPE" "$c" --no-such-flag-xyz
done

[ -f "$SRCDIR/docs/man/goscope.1" ] || fail_test "no goscope(1) man page"

expect_exit 64 "$GOSCOPE"
expect_exit 64 "$GOSCOPE" no-such-command
err=$("$GOSCOPE" no-such-command 2>&1 >/dev/null)
case "$err" in "goscope: 'no-such-command' is not a goscope command"*) ;;
*) fail_test "unexpected message for an unknown command: $err" ;; esac
"$GOSCOPE" --version | grep -q '^goscope [0-9]' || fail_test "--version does not print 'goscope N'"
"$GOSCOPE" version --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["version"]' ||
	fail_test "version --json is not valid JSON with a version"
pass_test
