"""ref_zeek.py - mailscope against Zeek's own test baselines for the Zeek
traces in pcaps/corpus/zeek (copied, with the commit of each file, into
pcaps/corpus/zeek/baseline: see its COMMITS and TRACES).

Compared, where both sides mean the same thing:
- smtp.log, record by record per connection (same order): every column
  of mailscope's --format zeek record (docs/zeek.md maps them; uid and ts
  are Zeek's own; fuids name every MIME entity Zeek made a file of, not
  attachments: not compared);
- `out` of the baselines that print smtp_request/smtp_reply/pop3_reply
  events: commands (verb and argument) and reply codes, as multisets;
- conn.log / conn.log.cut: duration (end_ts - ts), orig/resp_pkts
  (packets), orig/resp_bytes (bytes; Zeek counts sequence space, so the
  missed bytes are added to ours), missed_bytes (gap_bytes);
- files.log.cut: sha1, mime type and name of each file Zeek extracted that
  mailscope lists as an attachment (Zeek hashes every MIME entity,
  mailscope only attachments: the rest are not compared);
- tunnel.log: an HTTP tunnel is the session's proxy hop;
- intel.log (the intel/seen test): each address seen in RCPT TO, From, To;
- ssl.log: TLS version and cipher (not yet produced: issue 15).
"""
import collections
import os

from common import Fact, find_session, micros, reply_codes, tls_fact

REF = "zeek"
BASE = os.path.join("pcaps", "corpus", "zeek", "baseline")


def read_log(path):
    """Rows of a Zeek TSV log (or a zeek-cut -m file) as dicts."""
    rows, fields = [], None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("###"):
            continue
        if line.startswith("#fields\t"):
            fields = line.split("\t")[1:]
            continue
        if line.startswith("#"):
            continue
        if fields is None:  # zeek-cut -m: the first line names the fields
            fields = line.split("\t")
            continue
        rows.append(dict(zip(fields, line.split("\t"))))
    return rows


def traces():
    out = {}
    for line in open(os.path.join(BASE, "TRACES"), encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            trace, test = line.split()
            out[trace] = test
    return out


def unset(v):
    return None if v in ("-", "", None) else v


# smtp.log columns and how mailscope's --format zeek record holds them.
SET_COLUMNS = ("rcptto", "to", "cc", "path")
SMTP_COLUMNS = ("trans_depth", "helo", "mailfrom", "rcptto", "date", "from",
                "to", "cc", "reply_to", "msg_id", "in_reply_to", "subject",
                "x_originating_ip", "first_received", "second_received",
                "last_reply", "path", "user_agent", "tls")


def zeek_value(col, v):
    v = unset(v)
    if v is None or v == "(empty)":
        return None
    if col in ("rcptto", "to", "cc"):
        return sorted(v.split(","))
    if col == "path":
        return v.split(",")
    if col == "tls":
        return v == "T"
    if col == "trans_depth":
        return int(v)
    return v


def ours_value(col, rec):
    v = rec.get(col)
    if v is None:
        return None
    if col in ("rcptto", "to", "cc"):
        return sorted(v)
    if col == "tls":
        return bool(v)
    return v


def smtp_log(capture, rows, ours):
    facts = []
    by_conn = collections.defaultdict(list)
    for r in rows:
        by_conn[(r["id.orig_h"], int(r["id.orig_p"]))].append(r)
    mine = collections.defaultdict(list)
    for r in ours.zeek(capture):
        mine[(r["id.orig_h"], r["id.orig_p"])].append(r)
    for conn, theirs in by_conn.items():
        got = mine.get(conn, [])
        where = "smtp.log %s:%d" % conn
        facts.append(Fact(REF, capture, where + " records", len(theirs),
                          len(got)))
        for i, (t, o) in enumerate(zip(theirs, got)):
            for col in SMTP_COLUMNS:
                facts.append(Fact(REF, capture, "%s #%d %s" % (where, i + 1, col),
                                  zeek_value(col, t.get(col)),
                                  ours_value(col, o)))
    return facts


def out_events(capture, path, ours):
    """smtp_request / pop3 events printed by the baseline's script."""
    theirs_cmd, theirs_code = collections.Counter(), collections.Counter()
    previous = None
    for line in open(path, encoding="utf-8"):
        if line.startswith("###"):
            continue
        parts = line.rstrip("\n").split(", ", 4)
        if parts[0] in ("smtp_request", "smtp_reply", "pop3_reply",
                        "pop3_request"):
            kind, parts = parts[0], parts[1:]
        elif len(parts) > 1 and parts[1] in ("pop3_reply", "pop3_request"):
            kind, parts = parts[1], [parts[0]] + parts[2:]
        else:
            kind = "smtp_request"
        rest = ", ".join(parts[2:]).split(", ", 1)
        if kind == "smtp_request":
            verb = rest[0]
            arg = rest[1] if len(rest) > 1 else ""
            theirs_cmd[(verb, arg)] += 1
        elif kind == "smtp_reply":
            # one event per line of a multi-line reply: EHLO's lines are
            # one reply
            same = previous == (parts[0], rest[0], rest[1].split(", ")[0])
            previous = (parts[0], rest[0], rest[1].split(", ")[0])
            if not (same and previous[2] == "EHLO"):
                theirs_code[rest[0]] += 1
            continue
        elif kind == "pop3_reply":
            theirs_code["+" + rest[0] if rest[0] == "OK" else "-" + rest[0]] += 1
        previous = None
    mine_cmd, mine_code = collections.Counter(), collections.Counter()
    for s in ours.sessions(capture):
        for c in s["commands"]:
            mine_cmd[(c["verb"], c.get("arg", ""))] += 1
    facts = []
    for (verb, arg), n in sorted(theirs_cmd.items()):
        if verb in ("(UNKNOWN)", "."):
            continue  # Zeek's names for lines it could not place
        facts.append(Fact(REF, capture, "command %s %s" % (verb, arg), n,
                          mine_cmd.get((verb, arg), 0)))
    if theirs_code:
        facts += replies(capture, theirs_code, ours)
    return facts


def replies(capture, theirs, ours):
    """Zeek's smtp_reply fires once per line of a multi-line reply (EHLO's
    are collapsed above): counted per reply on both sides."""
    mine = collections.Counter(c for s in ours.sessions(capture)
                               for c in reply_codes(s))
    return [Fact(REF, capture, "replies %s" % code, n, mine.get(code, 0))
            for code, n in sorted(theirs.items())]


def conn_log(capture, rows, ours):
    facts = []
    for r in rows:
        s = find_session(ours.sessions(capture), int(r["id.orig_p"]),
                         int(r["id.resp_p"]), r["id.orig_h"])
        where = "conn %s:%s" % (r["id.orig_h"], r["id.orig_p"])
        if s is None:
            if r.get("service", "-") in ("-", "") and \
                    int(r["id.resp_p"]) not in (25, 110, 587):
                continue  # not mail to either side (redis)
            facts.append(Fact(REF, capture, where + " session", "present",
                              None))
            continue
        us = micros(s["end_ts"]) - micros(s["ts"])
        facts.append(Fact(REF, capture, where + " duration",
                          r["duration"], "%d.%06d" % (us // 1000000,
                                                      us % 1000000)))
        gap = s["gap_bytes"]
        if "orig_pkts" in r:
            facts.append(Fact(REF, capture, where + " orig_pkts",
                              int(r["orig_pkts"]), s["packets"]["client"]))
            facts.append(Fact(REF, capture, where + " resp_pkts",
                              int(r["resp_pkts"]), s["packets"]["server"]))
        if "orig_bytes" in r and s["tls"] == "none":
            facts.append(Fact(REF, capture, where + " orig_bytes + resp_bytes",
                              int(r["orig_bytes"]) + int(r["resp_bytes"]),
                              s["bytes"]["client"] + s["bytes"]["server"] + gap))
        if "missed_bytes" in r:
            facts.append(Fact(REF, capture, where + " missed_bytes",
                              int(r["missed_bytes"]), gap))
    return facts


def files_log(capture, rows, ours):
    facts = []
    extracted = ours.extracted(capture)
    mine = {}
    for s in ours.sessions(capture):
        for i, t in enumerate(s.get("transactions", [])):
            for j, a in enumerate(t.get("message", {}).get("attachments", [])):
                prefix = "%s-t%d-%d-" % (s["uid"], i + 1, j)
                for name, h in extracted.items():
                    if name.startswith(prefix):
                        mine[h["sha1"]] = a
    for n, r in enumerate(rows):
        sha1 = unset(r.get("sha1"))
        a = mine.get(sha1) if sha1 else None
        if a is None:
            continue  # not an attachment to mailscope: not compared
        facts.append(Fact(REF, capture, "files #%d sha1" % (n + 1), sha1, sha1))
        facts.append(Fact(REF, capture, "files #%d mime_type" % (n + 1),
                          unset(r.get("mime_type")), a.get("content_type")))
        facts.append(Fact(REF, capture, "files #%d filename" % (n + 1),
                          unset(r.get("filename")), a.get("filename")))
    return facts


def tunnel_log(capture, rows, ours):
    facts = []
    for r in rows:
        for s in ours.sessions(capture):
            if s["client"]["ip"] == r["id.orig_h"] and \
                    s["server"]["port"] == int(r["id.resp_p"]):
                break
        else:
            s = None
        kind = {"Tunnel::HTTP": "http-connect"}.get(r["tunnel_type"],
                                                    r["tunnel_type"])
        proxy = (s or {}).get("proxy", {}).get("type")
        facts.append(Fact(REF, capture, "tunnel %s" % r["id.orig_h"], kind,
                          proxy))
    return facts


WHERE = {"SMTP::IN_RCPT_TO": "rcpt_to", "SMTP::IN_FROM": "from",
         "SMTP::IN_TO": "to"}


def intel_log(capture, rows, ours):
    seen = collections.defaultdict(set)
    for s in ours.sessions(capture):
        for t in s.get("transactions", []):
            seen["rcpt_to"].update(x.lower() for x in t["rcpt_to"])
            m = t.get("message", {})
            for k in ("from", "to"):
                seen[k].update(x.lower() for x in m.get(k, []))
    facts = []
    for r in rows:
        where = WHERE.get(r["seen.where"])
        if where:
            ind = r["seen.indicator"].lower()
            facts.append(Fact(REF, capture, "intel %s %s" % (where, ind),
                              True, ind in seen[where]))
    return facts


def ssl_log(capture, rows, ours):
    facts = []
    for r in rows:
        s = find_session(ours.sessions(capture), int(r["id.orig_p"]),
                         int(r["id.resp_p"]), r["id.orig_h"])
        where = "ssl %s:%s" % (r["id.orig_h"], r["id.orig_p"])
        facts.append(tls_fact(REF, capture, where + " cipher", r["cipher"], s,
                              ["cipher"]))
        facts.append(tls_fact(REF, capture, where + " version", r["version"], s,
                              ["version"]))
    return facts


LOGS = {"smtp.log": smtp_log, "conn.log": conn_log, "conn.log.cut": conn_log,
        "files.log.cut": files_log, "tunnel.log": tunnel_log,
        "intel.log": intel_log, "ssl.log": ssl_log}


def compare(captures, ours):
    facts = []
    by_name = {os.path.basename(c): c for c in captures}
    for trace, test in sorted(traces().items()):
        capture = by_name.get(trace)
        if capture is None:
            continue
        d = os.path.join(BASE, test)
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if name == "out":
                facts += out_events(capture, path, ours)
            elif name in LOGS:
                facts += LOGS[name](capture, read_log(path), ours)
    return facts
