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
pass_test
