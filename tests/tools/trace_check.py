#!/usr/bin/env python3
"""trace_check.py KIND TRACE: assertions on a GREEN_TRACE file (trace_test.sh).

KIND patch_demo: the patch demo's trace has main and its 16 workers (8 per
run) as lanes, each worker ran, and the patched run's workers waited on a
timer (usleep) and an fd (read), with those hooked calls recorded.
KIND target: trace_target's trace has its named greenlets, a lock wait, a
timer wait, hub iterations, and its second OS thread as a process of its own. KIND truncated: the file stayed within
GREEN_TRACE_MAX_MB, is still valid JSON and says it was truncated.
Prints what it found; exits 1 with the reason on the first failed check."""
import collections
import json
import os
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main(kind, path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail("%s is not readable JSON: %s" % (path, e))
    events = doc["traceEvents"]
    other = doc.get("otherData", {})
    lanes = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    by_lane = collections.defaultdict(list)
    for e in events:
        if e.get("ph") in ("X", "b"):
            by_lane[lanes.get((e["pid"], e["tid"]), "?")].append(e)
    print("%d events, %d lanes: %s" % (len(events), len(lanes), sorted(set(lanes.values()))))
    waits = collections.Counter((e["cat"], e["name"], (e.get("args") or {}).get("call"))
                                for e in events if e.get("cat", "").startswith("wait."))
    print("waits:", dict(waits))

    def lane(name):
        found = [k for k, v in by_lane.items() if v and k.startswith("'%s' #" % name)]
        return found

    if kind == "truncated":
        limit = int(other.get("max_mb", 0)) << 20
        size = os.path.getsize(path)
        if not other.get("truncated"):
            fail("otherData.truncated is not true (size %d)" % size)
        if not limit or size > limit + 4096:
            fail("the file is %d bytes, over GREEN_TRACE_MAX_MB (%d bytes)" % (size, limit))
        if not any("trace truncated" in e.get("name", "") for e in events):
            fail("no event says the trace was truncated")
        print("truncated at %d bytes of %d allowed" % (size, limit))
        return
    if other.get("truncated") is not False:
        fail("otherData.truncated should be false: %r" % other)
    if not any(e.get("cat") == "hub" and e.get("name") == "iteration" for e in events):
        fail("no hub iteration")
    if kind == "patch_demo":
        workers = [v for v in lanes.values() if v.startswith("'Greenlet-")]
        if len(workers) != 16:
            fail("expected 16 worker lanes (8 workers, 2 runs), got %d" % len(workers))
        if not lane("main"):
            fail("no lane with events for main")
        ran = [w for w in workers if any(e.get("cat") == "run" for e in by_lane[w])]
        if len(ran) != 16:
            fail("only %d of 16 workers have a run" % len(ran))
        timer = [w for w in workers if any(e.get("cat") == "wait.timer" and (e.get("args") or {}).get("call") == "usleep"
                                           for e in by_lane[w])]
        fd = [w for w in workers if any(e.get("cat") == "wait.fd" and (e.get("args") or {}).get("fd", -1) >= 0
                                        and (e.get("args") or {}).get("call") == "read" for e in by_lane[w])]
        calls = collections.Counter(e["name"] for e in events if e.get("ph") == "b" and e.get("cat") == "call")
        print("timer waits in %d workers, fd waits in %d, hooked calls %s" % (len(timer), len(fd), dict(calls)))
        if len(timer) < 8 or len(fd) < 8:
            fail("the patched run's 8 workers should each wait on usleep's timer and read's fd")
        if calls["usleep"] < 8 or calls["read"] < 8:
            fail("the hooked usleep and read calls that parked should be recorded")
    elif kind == "target":
        for name in ("main", "ping", "pong", "sleeper", "lock-waiter"):
            if not lane(name):
                fail("no lane with events for '%s'" % name)
        # Each OS thread with a hub is a process: the second thread's main and
        # other-thread share one, apart from ping's.
        pid_of = {v: k[0] for k, v in lanes.items()}
        main_pids = {k[0] for k, v in lanes.items() if v.startswith("'main' #")}
        other = [p for v, p in pid_of.items() if v.startswith("'other-thread' #")]
        ping = [p for v, p in pid_of.items() if v.startswith("'ping' #")]
        if len(main_pids) != 2 or not other or other[0] not in main_pids or other[0] == ping[0]:
            fail("the second OS thread's hub should be a process of its own: main in %s, other-thread in %s, "
                 "ping in %s" % (sorted(main_pids), other, ping))
        if not any(c == "wait.lock" for c, _, _ in waits):
            fail("no lock wait")
        if not any(c == "wait.timer" for c, _, _ in waits):
            fail("no timer wait")
    else:
        fail("unknown kind " + kind)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
    print("PASS")
