# goroutines_cmp.py WANT GOT [MIN]: compares two goroutine dumps in the runtime's format for the
# goroutines of the parked fixture that sit in its fixed places (a goroutine with one of the
# parker functions on its stack): same id, state (without the minutes), frames by function and
# file:line (+0x offsets included, arguments left out) and "created by" lines. Goroutines that
# run or come and go (the HTTP request that took the dump, the heartbeat) are left out by this
# rule, not by luck. Fails when one differs or when fewer than MIN (default 15) were compared.
import difflib
import re
import sys

FIXED = {
    "main.receiver", "main.sender", "main.selector", "main.selectForever", "main.mutexWaiter",
    "main.rwReader", "main.rwWriter", "main.waitGroupWaiter", "main.condWaiter", "main.sleeper",
    "main.netReader", "main.syscallReader", "main.lockedThread", "main.recurse",
    "main.inlinedParker", "main.extraParker", "main.cgoStarter", "main.waitOn", "main.cgoParker",
}


def parse(path):
    gs = {}
    for block in open(path, errors="replace").read().split("\n\n"):
        lines = [l for l in block.split("\n") if l]
        if not lines or not lines[0].startswith("goroutine "):
            continue
        m = re.match(r"goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[([^\]]*)\]:", lines[0])
        if not m:
            continue
        state = re.sub(r", \d+ minutes", "", m.group(2))
        body = []
        for l in lines[1:]:
            if l.startswith("\t"):
                body.append(re.sub(r" fp=0x\S+ sp=0x\S+ pc=0x\S+$", "", l))
            elif l.startswith("created by") or l.startswith("..."):
                body.append(l)
            else:
                body.append(re.sub(r"\([^()]*\)$", "()", l))
        gs[int(m.group(1))] = (state, body)
    return gs


want, got = parse(sys.argv[1]), parse(sys.argv[2])
minimum = int(sys.argv[3]) if len(sys.argv) > 3 else 15
n = bad = 0
for gid, (state, body) in sorted(want.items()):
    funcs = {l[:-2] for l in body if l.endswith("()")}
    if not funcs & FIXED:
        continue
    n += 1
    if gid not in got:
        print("goroutine %d: missing" % gid)
        bad += 1
    elif got[gid] != (state, body):
        bad += 1
        print("goroutine %d differs:" % gid)
        print("\n".join(difflib.unified_diff([state] + body, [got[gid][0]] + got[gid][1],
                                             "want", "got", lineterm="", n=1)))
print("compared %d goroutines, %d differ" % (n, bad))
sys.exit(1 if bad or n < minimum else 0)
