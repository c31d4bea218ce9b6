#!/usr/bin/env bash
# Output files: a regular file is written through a temp file and renamed, a failed command
# leaves none behind, and a FIFO (like /dev/null or a device) is written in place, never
# replaced by a regular file.
set -u
. "$SRCDIR/tests/cli/common.sh"
cd "$SCRATCH"

# a small valid profile, written by goscope itself from folded stacks
printf 'main.main;main.work 3\nmain.main;main.idle 1\n' >in.folded
expect_exit 0 "$GOSCOPE" convert --to pprof -o in.pb.gz in.folded
[ -s in.pb.gz ] || fail_test "convert wrote no profile"

expect_exit 0 "$GOSCOPE" top -o report.txt in.pb.gz
grep -q 'main.work' report.txt || fail_test "top -o wrote no report"
ls | grep -q '\.tmp-' && fail_test "a temp file was left behind: $(ls)"

# a failing command leaves no output file and keeps an existing one
printf 'not a profile' >bad.pb.gz
echo keep >kept.txt
expect_exit 2 "$GOSCOPE" top -o kept.txt bad.pb.gz
[ "$(cat kept.txt)" = keep ] || fail_test "a failed top changed the existing output file"
expect_exit 2 "$GOSCOPE" top -o new.txt bad.pb.gz
[ ! -e new.txt ] || fail_test "a failed top left new.txt"
ls | grep -q '\.tmp-' && fail_test "a temp file was left behind: $(ls)"

# a FIFO is written in place and stays a FIFO
mkfifo pipe
cat pipe >from-pipe.txt &
reader=$!
expect_exit 0 "$GOSCOPE" top -o pipe in.pb.gz
if [ ! -p pipe ]; then
	kill "$reader" 2>/dev/null
	fail_test "writing to a FIFO replaced it with a regular file"
fi
wait "$reader"
grep -q 'main.work' from-pipe.txt || fail_test "nothing came through the FIFO"

# A reader that stops early (`| head -1`) ends every report quietly with exit 0: the closed
# pipe is not a failure of goscope. Each report is far larger than a pipe holds, so the
# writes after head exits fail with EPIPE.
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "main.main;pkg.f%d;pkg.g%d %d\n", i, i % 97, i % 13 + 1 }' >big.folded
expect_exit 0 "$GOSCOPE" convert --to json -o big.json big.folded
python3 - big.json <<'PY' || fail_test "cannot add labels to big.json"
import json, sys
d = json.load(open(sys.argv[1]))
for i, s in enumerate(d["samples"]):
    s["labels"] = [{"key": "k%d" % (i % 50), "str": "v%d" % i}]
json.dump(d, open(sys.argv[1], "w"))
PY
dump() { # dump N: 20000 groups of N goroutines parked in the same function
	awk -v n="$1" 'BEGIN { for (i = 0; i < 20000; i++) for (k = 0; k < n; k++)
		printf "goroutine %d [chan receive]:\nmain.w%d()\n\t/src/main.go:%d +0x1d\n\n", 2 * i + k + 1, i, i }'
}
dump 1 >dump1.txt
dump 2 >dump2.txt
while read -r cmd; do
	# shellcheck disable=SC2086 # cmd is a command with its flags and input
	"$GOSCOPE" $cmd 2>closed.err | head -1 >/dev/null
	got=${PIPESTATUS[0]}
	[ "$got" = 0 ] || fail_test "'goscope $cmd | head -1' exited $got: $(head -2 closed.err)"
	[ ! -s closed.err ] || fail_test "'goscope $cmd | head -1' printed: $(head -2 closed.err)"
done <<'CMDS'
top -nodefraction=0 big.json
traces big.json
tags big.json
tree -nodefraction=0 -edgefraction=0 big.json
peek . big.json
raw big.json
raw --json big.json
raw --proto big.json
folded big.json
flame --json big.json
flame -o - big.json
flame --svg -o - big.json
convert --to json big.json
convert --to folded big.json
convert --to speedscope big.json
goroutines dump2.txt
goroutines --all dump2.txt
goroutines --json dump2.txt
stack dump2.txt
leaks dump1.txt dump2.txt
leaks --json dump1.txt dump2.txt
CMDS

# Any other write error on stdout fails the command, with one message.
if [ -w /dev/full ]; then
	for cmd in "traces big.json" "flame --json big.json" "goroutines dump1.txt"; do
		# shellcheck disable=SC2086 # cmd is a command with its flags and input
		"$GOSCOPE" $cmd >/dev/full 2>full.err
		got=$?
		[ "$got" = 2 ] || fail_test "'goscope $cmd >/dev/full' exited $got"
		[ "$(grep -c 'cannot write to standard output: No space left on device' full.err)" = 1 ] &&
			[ "$(wc -l <full.err)" = 1 ] ||
			fail_test "'goscope $cmd >/dev/full' printed: $(cat full.err)"
	done
fi
pass_test
