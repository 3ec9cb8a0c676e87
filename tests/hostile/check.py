#!/usr/bin/python3
"""check.py - compare mailscope's output on a hostile capture with the
facts gen.py wrote for it.

  check.py json FACTS.json OUT.ndjson   every line strict UTF-8 JSON; the
                                        well-formed session complete; each
                                        hostile session's anomalies; the
                                        stats counters
  check.py text FACTS.json OUT.txt      terminal safety of a transcript, and
                                        the well-formed session in it
  check.py bytes FILE...                terminal safety only
  check.py lines FILE...                every line strict UTF-8 JSON (ECS, Zeek)
  check.py rss FACTS.json KB            peak RSS under the documented bound
                                        (and under --max-memory's)

Prints one line per failed check and exits 1 if any failed.
"""
import json
import re
import sys

failures = []


def fail(what):
    failures.append(what)
    print("FAIL " + what)


def expect(cond, what):
    if not cond:
        fail(what)
    return cond


# ---- NDJSON ------------------------------------------------------------------

def load_records(path):
    records = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                text = raw.decode("utf-8", "strict")
            except UnicodeDecodeError as e:
                fail("%s:%d: not UTF-8: %s" % (path, n, e))
                continue
            try:
                records.append(json.loads(
                    text, parse_constant=lambda c: fail("%s:%d: %s" % (path, n, c))))
            except ValueError as e:
                fail("%s:%d: not JSON: %s" % (path, n, e))
    return records


def session_by_port(records, port, proto=None):
    found = [r for r in records if r.get("event") == "session" and
             r["client"]["port"] == port and (proto is None or r["proto"] == proto)]
    return found[0] if len(found) == 1 else None


def check_message(where, m, want):
    if not expect(m is not None, where + ": a message"):
        return
    for key in ("subject", "bytes", "sha256"):
        if key in want:
            expect(m.get(key) == want[key], "%s: message %s %r, want %r" %
                   (where, key, m.get(key), want[key]))
    expect(not m.get("truncated", False), where + ": message not truncated")
    atts = m.get("attachments", [])
    expect(len(atts) == len(want["attachments"]),
           "%s: %d attachments, want %d" % (where, len(atts),
                                             len(want["attachments"])))
    for got, exp in zip(atts, want["attachments"]):
        for key, value in exp.items():
            expect(got.get(key) == value, "%s: attachment %s %r, want %r" %
                   (where, key, got.get(key), value))


def check_good(records, g, ts_prefix=None):
    where = "good %s session (client port %d)" % (g["proto"], g["client_port"])
    s = session_by_port(records, g["client_port"], g["proto"])
    if not expect(s is not None, where + ": reported once"):
        return
    if ts_prefix:
        expect(s["ts"].startswith(ts_prefix), "%s: ts %s, want %s..." %
               (where, s["ts"], ts_prefix))
    expect(s["client"]["ip"] == g["client_ip"], where + ": client address")
    expect(s["end"] == "fin", where + ": end fin, not " + s["end"])
    expect(s["gap_bytes"] == 0, where + ": no gap")
    expect(not s["midstream"], where + ": not midstream")
    expect(s.get("banner") == g["banner"], where + ": banner %r" % s.get("banner"))
    expect(s["anomalies"] == [], where + ": no anomalies, got %s" %
           [a["name"] for a in s["anomalies"]][:5])
    got = [[c["verb"], c.get("reply", {}).get("code",
                                              c.get("reply", {}).get("status"))]
           for c in s["commands"]]
    expect(got == g["commands"], where + ": commands and replies %s, want %s" %
           (got, g["commands"]))
    expect(all(not c["pipelined"] for c in s["commands"]), where + ": lockstep")
    auth = s.get("auth", {})
    for key, value in g["auth"].items():
        expect(auth.get(key) == value, "%s: auth %s %r, want %r" %
               (where, key, auth.get(key), value))
    expect(auth.get("password") == "<redacted>", where + ": password redacted")
    if g["proto"] == "smtp":
        txs = s.get("transactions", [])
        if expect(len(txs) == 1, where + ": one transaction"):
            t = txs[0]
            for key, value in g["transaction"].items():
                expect(t.get(key) == value, "%s: transaction %s %r, want %r" %
                       (where, key, t.get(key), value))
            expect(t.get("reply", {}).get("code") == 250, where + ": 250 at end")
            check_message(where, t.get("message"), g["message"])
    else:
        expect(s.get("mailbox") == g["mailbox"], where + ": mailbox")
        msgs = s.get("messages", [])
        if expect(len(msgs) == 1, where + ": one retrieved message"):
            for key, value in g["retrieved"].items():
                expect(msgs[0].get(key) == value, "%s: retrieved %s %r, want %r"
                       % (where, key, msgs[0].get(key), value))
            check_message(where, msgs[0].get("message"), g["message"])


def check_hostile(records, port, want):
    where = "hostile session (client port %s)" % port
    s = session_by_port(records, int(port))
    if not expect(s is not None, where + ": reported once"):
        return
    names = [a["name"] for a in s["anomalies"]]
    for name in want.get("anomalies", []):
        expect(name in names, "%s: anomaly %s (has %s)" % (where, name,
                                                           sorted(set(names))))
    if "end" in want:
        expect(s["end"] == want["end"], where + ": end " + s["end"])
    if "gap_bytes_min" in want:
        expect(s["gap_bytes"] >= want["gap_bytes_min"], where + ": gap_bytes")
    if "commands" in want:
        expect(len(s["commands"]) == want["commands"], "%s: %d commands "
               "recorded, want %d" % (where, len(s["commands"]), want["commands"]))
    for name, text in want.get("detail", {}).items():
        details = [a.get("detail", "") for a in s["anomalies"] if a["name"] == name]
        expect(any(text in d for d in details), "%s: %s detail names %s (%s)" %
               (where, name, text, details))
    if "message" in want:
        txs = s.get("transactions", [])
        msg = txs[0].get("message") if txs else None
        check_message(where, msg, want["message"])
    if want.get("paired"):
        check_pairing(where, s)
    for name in want.get("absent", []):
        expect(name not in names, "%s: no anomaly %s" % (where, name))
    got = [[c["verb"], c.get("arg")] for c in s["commands"]]
    for pair in want.get("command_args", []):
        expect(pair in got, "%s: command %s (has %s)" % (where, pair, got[:8]))
    if "transactions" in want:
        expect(len(s.get("transactions", [])) == want["transactions"],
               "%s: %d transactions, want %d" %
               (where, len(s.get("transactions", [])), want["transactions"]))
    if "auth" in want:
        user = s.get("auth", {}).get("username")
        expect(user == want["auth"], "%s: auth user %r" % (where, user))


def check_pairing(where, s):
    """Pipelined replies carry the number of the command they answer."""
    bad = 0
    for c in s["commands"]:
        m = re.match(r"(\d+)$", c.get("arg") or "")
        if not m:
            continue
        text = c.get("reply", {}).get("text", "")
        if not text.startswith(m.group(1) + " "):
            bad += 1
    expect(bad == 0, "%s: %d commands paired with the wrong reply" % (where, bad))


def check_stats(records, facts):
    stats = [r for r in records if r.get("event") == "stats"]
    if not expect(len(stats) == 1 and records[-1].get("event") == "stats",
                  "one stats record, last"):
        return
    st = stats[0]
    for key in facts.get("limits", []):
        limits = st.get("limits", {})
        expect(limits.get(key, 0) > 0, "stats limits.%s counted (%s)" %
               (key, {k: v for k, v in limits.items() if v}))
    for key, value in facts.get("stats", {}).items():
        if key.endswith("_min"):
            expect(st.get(key[:-4], -1) >= value, "stats %s %s, want >= %d" %
                   (key[:-4], st.get(key[:-4]), value))
        else:
            expect(st.get(key) == value, "stats %s %s, want %s" %
                   (key, st.get(key), value))
    limited = [r for r in records if r.get("end") == "limit"]
    dropped = [r for r in limited
               if r["anomalies"] and r["anomalies"][0]["name"] == "session_limit"]
    ended = [r for r in limited if r not in dropped]
    expect(len(dropped) == st.get("sessions_dropped"),
           "each dropped session reported once (%d records, %s dropped)" %
           (len(dropped), st.get("sessions_dropped")))
    expect(all(not r["commands"] for r in dropped),
           "dropped sessions: session_limit, nothing decoded")
    expect(all(any(a["name"] == "memory_limit" for a in r["anomalies"])
               for r in ended),
           "sessions ended early for --max-memory say so (memory_limit)")
    expect(len(ended) >= facts.get("memory_ended_min", 0),
           "%d sessions ended for --max-memory, want at least %d" %
           (len(ended), facts.get("memory_ended_min", 0)))
    reported = sum(1 for r in records if r.get("event") == "session")
    expect(st["sessions"]["smtp"] + st["sessions"]["pop3"] == reported,
           "stats sessions count the %d reported" % reported)


# ---- transcripts -------------------------------------------------------------

DANGEROUS = re.compile("[\u0080-\u009f\u202a-\u202e\u2066-\u2069"
                       "\u200e\u200f\u061c\u2028\u2029\ufeff]")


def check_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    for i, b in enumerate(data):
        if (b < 0x20 and b not in (0x0a, 0x09)) or b == 0x7f:
            fail("%s: raw control byte 0x%02x at offset %d" % (path, b, i))
            break
    try:
        text = data.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        fail("%s: not UTF-8: %s" % (path, e))
        return ""
    m = DANGEROUS.search(text)
    expect(m is None, "%s: raw C1 / bidi / separator character U+%04X" %
           (path, ord(m.group(0)) if m else 0))
    return text


def check_text(facts, path):
    text = check_bytes(path)
    g = facts["good"]
    blocks = [b for b in text.split("\n\n")
              if b.startswith("# %s %s:%d " % (g["proto"], g["client_ip"],
                                                g["client_port"]))]
    if not expect(len(blocks) == 1, "transcript: the good session's block"):
        return
    b = blocks[0]
    a = g["auth"]
    expect("# auth: %s user %s %s" % (a["mechanism"], a["username"],
                                      a["result"]) in b, "transcript: auth line")
    m = g["message"]
    att = m["attachments"][0]
    expect('Subject "%s", 1 attachment: %s]' % (m["subject"], att["filename"])
           in b, "transcript: message summary")
    if g["proto"] == "smtp":
        expect("# transaction 1: queued queue id %s" %
               g["transaction"]["queue_id"] in b, "transcript: transaction")
    expect("# anomalies:" not in b, "transcript: no anomalies")
    hits = [l for l in text.split("\n") if l.startswith("# limits hit:")]
    if expect(len(hits) == 1, "transcript: one '# limits hit:' line"):
        for key in facts.get("limits", []):
            expect(" %s " % key in hits[0] + " ", "transcript: limits hit "
                   "line names %s (%s)" % (key, hits[0]))


# docs/design.md, "Memory": 24 MiB to start with; 1 KiB per connection
# tracked before it carries a byte, 2 KiB once it has; what a session holds
# (2 x --max-line + 2 x --max-session-bytes + --max-message-bytes: 3 MiB
# with the defaults); 0.5 KiB per recorded command.  All that, and fragments
# and the decompressor, within --max-memory: at most 24 MiB plus 1.25 times
# it (the allocator's own overhead on top of what is counted).
BASE_KIB, EMPTY_KIB, DATA_KIB = 24 * 1024, 1, 2
HELD_KIB = (2 * 4096 + 2 * 1048576 + 1048576) // 1024
COMMAND_KIB = 0.5
MAX_MEMORY_MIB = 512


def check_rss(facts, kib):
    m = facts["mem"]
    bound = (BASE_KIB + EMPTY_KIB * m.get("empty", 0) + DATA_KIB * m["data"] +
             HELD_KIB * m["busy"] + COMMAND_KIB * m["commands"])
    limit = BASE_KIB + 1.25 * 1024 * facts.get("max_memory_mib",
                                                MAX_MEMORY_MIB)
    bound = min(bound, limit)
    print("peak RSS %d KiB, bound %d KiB" % (kib, bound))
    expect(kib <= bound, "peak RSS %d KiB above the documented bound %d KiB"
           % (kib, bound))


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "rss" and len(sys.argv) == 4:
        with open(sys.argv[2]) as f:
            check_rss(json.load(f), int(sys.argv[3]))
    elif mode == "bytes":
        for path in sys.argv[2:]:
            check_bytes(path)
    elif mode == "lines":
        for path in sys.argv[2:]:
            load_records(path)
    elif mode in ("json", "text") and len(sys.argv) == 4:
        with open(sys.argv[2]) as f:
            facts = json.load(f)
        if mode == "text":
            check_text(facts, sys.argv[3])
        else:
            records = load_records(sys.argv[3])
            if "max_line_bytes" in facts:
                with open(sys.argv[3], "rb") as f:
                    longest = max((len(l) for l in f), default=0)
                expect(longest <= facts["max_line_bytes"],
                       "longest NDJSON line %d bytes, want at most %d" %
                       (longest, facts["max_line_bytes"]))
            check_good(records, facts["good"], facts.get("ts_prefix"))
            for port, want in facts.get("sessions", {}).items():
                check_hostile(records, port, want)
            if not facts.get("no_stats"):
                check_stats(records, facts)
    else:
        sys.exit(__doc__)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
