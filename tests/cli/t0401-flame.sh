#!/usr/bin/env bash
# goscope flame on a real Go CPU profile: the HTML page is self-contained (no external
# script, style or URL), carries the tree and pprof's total; the SVG is well-formed XML; the
# JSON tree's total equals `go tool pprof`'s; default output names; errors and exit codes.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/flame-fixture.sh"
flame_fixture
cd "$SCRATCH" || fail_test "no scratch dir"
cp "$FLAME_CPU" cpu.pb.gz

# default output name, path on stderr
"$GOSCOPE" flame cpu.pb.gz 2>err.txt || fail_test "flame exited $?"
[ -s cpu.flame.html ] || fail_test "no cpu.flame.html"
grep -q 'cpu.flame.html' err.txt || fail_test "output path not printed on stderr: $(cat err.txt)"

python3 - cpu.flame.html <<'PY' || fail_test "the page is not self-contained"
import re, sys, json, html.parser
page = open(sys.argv[1], encoding="utf-8").read()
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.bad = []; self.scripts = 0; self.data = None; self._in = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "srcset", "action", "poster", "data"):
            if k in a and a[k] is not None and not a[k].startswith("#"):
                self.bad.append((tag, k, a[k]))
        if tag == "link": self.bad.append(("link", "", str(a)))
        if tag in ("iframe", "object", "embed", "img"): self.bad.append((tag, "", str(a)))
        if tag == "script": self.scripts += 1; self._in = a.get("id")
    def handle_data(self, d):
        if self._in == "gs-data": self.data = (self.data or "") + d
    def handle_endtag(self, tag):
        if tag == "script": self._in = None
p = P(); p.feed(page)
assert not p.bad, p.bad
assert p.scripts == 2, p.scripts
assert not re.search(r"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", page.replace("https://www.speedscope.app", "")), "URL in page"
assert "@import" not in page and "url(" not in page, "CSS import or url()"
d = json.loads(p.data)
assert d["type"] == "cpu", d["type"]
assert d["unit"] == "s" and d["sampleUnit"] == "nanoseconds"
n = len(d["nodeFrame"])
assert n == len(d["nodeDepth"]) == len(d["nodeValue"]) and n > 10, n
assert d["nodeDepth"][0] == 0 and all(x >= 1 for x in d["nodeDepth"][1:])
assert abs(d["nodeValue"][0] - d["total"]) < 1e-9, (d["nodeValue"][0], d["total"])
assert "main.hot" in d["strings"], "main.hot missing"
PY

# the script runs in a real browser when one is installed: title, search and pivot from the
# URL fragment end up in the DOM (a JavaScript error would leave them empty)
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -n "$browser" ]; then
	dom=$(timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$SCRATCH/chrome" --virtual-time-budget=5000 \
		--dump-dom "file://$SCRATCH/cpu.flame.html#q=main%5C.hot&p=main.work" 2>/dev/null)
	printf '%s' "$dom" | grep -q '<span id="title">cpu.pb.gz · cpu: [0-9.]*m\?s total</span>' ||
		fail_test "page title not rendered: $(printf '%s' "$dom" | grep -o '<span id="title">[^<]*' | head -1)"
	printf '%s' "$dom" | grep -q '<span id="match"[^>]*>matched: [0-9.]*m\?s ([0-9.]*%)</span>' ||
		fail_test "search from the fragment did not report a match"
	printf '%s' "$dom" | grep -q 'pivot: main.work' || fail_test "pivot from the fragment not shown"
else
	echo "note: no Chromium, the page's script was not run"
fi

# the JSON tree: total and root value equal pprof's total; children sum to at most the parent
"$GOSCOPE" flame --json cpu.pb.gz >tree.json || fail_test "flame --json exited $?"
want=$("$GO" tool pprof -top -unit=ns cpu.pb.gz 2>/dev/null | sed -n 's/.* of \([0-9]*\)ns total$/\1/p')
[ -n "$want" ] || fail_test "cannot read go tool pprof's total"
python3 - tree.json "$want" <<'PY' || fail_test "JSON tree inconsistent with pprof"
import json, sys
t = json.load(open(sys.argv[1])); want = int(sys.argv[2])
assert t["total"] == want, (t["total"], want)
nodes = t["nodes"]
assert nodes[0]["value"] == want and nodes[0]["parent"] is None
kids = {}
for n in nodes[1:]:
    kids.setdefault(n["parent"], []).append(n)
for n in nodes:
    s = sum(k["value"] for k in kids.get(n["id"], []))
    assert s + n["self"] == n["value"], n
inl = [n for n in nodes if n.get("inlined")]
assert inl, "no inlined frame (main.small is inlined into main.hot)"
assert any(n["name"] == "main.small" for n in inl), [n["name"] for n in inl][:5]
PY
if "$GOSCOPE" help 2>/dev/null | grep -q '^ *top '; then
	top=$("$GOSCOPE" top -unit=ns cpu.pb.gz 2>/dev/null | sed -n 's/.* of \([0-9]*\)ns total$/\1/p')
	[ -z "$top" ] || [ "$top" = "$want" ] || fail_test "goscope top total $top != flame total $want"
fi

# SVG: well-formed, one <title> per box, flame orientation
"$GOSCOPE" flame --svg -o out.svg cpu.pb.gz 2>/dev/null || fail_test "flame --svg exited $?"
python3 - out.svg <<'PY' || fail_test "SVG is not well-formed or lacks tooltips"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg"
titles = [t.text for t in root.iter(ns + "title")]
assert len(titles) > 10 and any(t.startswith("main.hot") for t in titles), titles[:3]
assert any("(100.0%)" in t for t in titles)
PY

# granularity and sample index flags reach the tree
"$GOSCOPE" flame --json -lines cpu.pb.gz | grep -q '"name": "main.hot:[0-9]*"' ||
	fail_test "-lines does not put line numbers in names"
"$GOSCOPE" flame --json -sample_index=samples cpu.pb.gz | grep -q '"sample_type": "samples"' ||
	fail_test "-sample_index=samples not honoured"
"$GOSCOPE" flame -o - cpu.pb.gz | head -c 15 | grep -q '<!DOCTYPE html>' || fail_test "-o - does not write the page to stdout"

# errors: one line, exit codes
expect_exit 2 "$GOSCOPE" flame no-such-file.pb.gz
grep -q "^goscope flame: cannot read 'no-such-file.pb.gz': " "$SCRATCH/err.$$" || fail_test "bad message: $(cat "$SCRATCH/err.$$")"
[ "$(wc -l <"$SCRATCH/err.$$")" -eq 1 ] || fail_test "error is not one line"
expect_exit 2 "$GOSCOPE" flame -sample_index=nope cpu.pb.gz
expect_exit 64 "$GOSCOPE" flame
expect_exit 64 "$GOSCOPE" flame --svg --json cpu.pb.gz
printf 'garbage\n' >bad.txt
expect_exit 2 "$GOSCOPE" flame bad.txt
[ ! -e bad.flame.html ] || fail_test "a failed run left an output file"
pass_test
