#!/usr/bin/env bash
# goscope tags prints what `go tool pprof -tags` prints, byte for byte: keys sorted by name,
# values by weight, numeric labels scaled, columns right-aligned by a tabwriter (also when a
# value holds tabs, newlines or wide characters); --json is valid with the same numbers;
# usage and input errors exit 64 / 2.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/report_fixtures.sh"
build_mkprofile

cpu_spec | mkprofile "$SCRATCH/cpu.pb.gz"

# Heap-like profile: four sample types, numeric "bytes" labels with a unit, "request" and
# "alignment" keys (bytes by default), a key whose numeric values have two units, string
# values with spaces, tabs, a newline and non-ASCII text, equal weights ordered by value.
mkprofile "$SCRATCH/heap.pb.gz" <<'SPEC'
sample_type alloc_objects count
sample_type alloc_space bytes
sample_type inuse_objects count
sample_type inuse_space bytes
period_type space bytes
period 524288
mapping id=1 start=0x400000 limit=0x500000 file=/usr/bin/heapy functions
function id=1 name=main.alloc file=/src/a.go
function id=2 name=main.main file=/src/a.go
location id=1 mapping=1 addr=0x401000 lines=1:5
location id=2 mapping=1 addr=0x402000 lines=2:9
sample locs=1,2 values=10,10485760,2,2097152 num=bytes:1048576:bytes label=kind:big
sample locs=1,2 values=400,409600,100,102400 num=bytes:1024:bytes label=kind:small%20one
sample locs=1,2 values=5,5120,5,5120 num=bytes:1024 num=alignment:64 label=kind:tab%09in%09value
sample locs=2 values=1,128,1,128 num=request:128 num=odd:3:seconds label=kind:line%0Abreak
sample locs=2 values=1,128,1,128 num=odd:4:bytes label=kind:ключ label=ключ:значение
sample locs=2 values=1,128,1,128 label=kind:aaa
sample locs=2 values=1,128,1,128 label=kind:zzz
SPEC

# A profile whose total is zero: pprof leaves out the percentages.
mkprofile "$SCRATCH/zero.pb.gz" <<'SPEC'
sample_type goroutine count
function id=1 name=main.park
location id=1 lines=1:1
sample locs=1 values=0 label=state:idle
sample locs=1 values=0 label=state:busy
SPEC

# Bytes the tabwriter treats specially inside label values: vertical tab and form feed end a
# cell and a line, 0xff starts and ends an escaped run (even across lines), a key that is a tab.
mkprofile "$SCRATCH/odd.pb.gz" <<'SPEC'
sample_type samples count
function id=1 name=main.f
location id=1 lines=1:1
sample locs=1 values=1 label=k:a%0Bb
sample locs=1 values=2 label=k:form%0Cfeed%09x
sample locs=1 values=3 label=k:esc%FFa%09b%FFc
sample locs=1 values=4 label=k:unterminated%FFtail
sample locs=1 values=12345 label=k:long%20value label=k%FFey:v%FF
sample locs=1 values=5 label=%09:tabkey
SPEC
same_as_pprof tags "$SCRATCH/odd.pb.gz"
same_as_pprof traces "$SCRATCH/odd.pb.gz"

for args in "" "-unit=ms" "-unit=seconds" "-unit=auto" "-divide_by=1000" "-sample_index=0" \
	"-mean" "-focus=main.hot" "-ignore=main.rec" "-tagfocus=worker=a" "-tagignore=worker=z" \
	"-tagshow=work" "-taghide=bytes" "-tagfocus=bytes=1kb:" "-relative_percentages -focus=main.hot" \
	"-hide=main" "-show_from=main.hot" "-lines"; do
	# shellcheck disable=SC2086
	same_as_pprof tags $args "$SCRATCH/cpu.pb.gz"
done
for args in "" "-sample_index=alloc_space" "-sample_index=inuse_objects" "-sample_index=0" \
	"-unit=kb" "-unit=MB" "-tagfocus=kind=b" "-tagignore=bytes=1mb" "-mean"; do
	# shellcheck disable=SC2086
	same_as_pprof tags $args "$SCRATCH/heap.pb.gz"
done
same_as_pprof tags "$SCRATCH/zero.pb.gz"

json_ok tags "$SCRATCH/cpu.pb.gz"
python3 - "$SCRATCH/json" <<'PY' || fail_test "tags --json content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["total"] == 241500000 and d["total_text"] == "241.50ms", d
keys = [t["key"] for t in d["tags"]]
assert keys == ["bytes", "job", "request", "size", "worker"], keys
w = d["tags"][4]
assert w["total"] == 250000000 and w["total_text"] == "250ms" and abs(w["total_percent"] - 103.519668) < 1e-4, w
assert [v["value"] for v in w["values"]] == ["a", "z", "b", "c"], w["values"]
assert w["values"][0]["weight"] == 110000000 and w["values"][0]["weight_text"] == "110ms"
assert abs(w["values"][0]["weight_percent"] - 45.548654) < 1e-4, w["values"][0]
assert d["tags"][0]["values"][0]["value"] == "2kB", d["tags"][0]
PY
json_ok tags "$SCRATCH/zero.pb.gz"

expect_exit 64 "$GOSCOPE" tags
expect_exit 64 "$GOSCOPE" tags --no-such-flag "$SCRATCH/cpu.pb.gz"
expect_exit 2 "$GOSCOPE" tags "$SCRATCH/does-not-exist.pb.gz"
printf '\x1f\x8b\x08\x00garbage' >"$SCRATCH/garbage.gz"
expect_exit 2 "$GOSCOPE" tags "$SCRATCH/garbage.gz"
expect_exit 2 "$GOSCOPE" tags -sample_index=nosuch "$SCRATCH/cpu.pb.gz"
expect_exit 0 "$GOSCOPE" tags -h
pass_test
