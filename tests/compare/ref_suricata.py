"""ref_suricata.py - mailscope against the suricata-verify expectations
(pcaps/corpus/suricata-verify/NAME.test.yaml, beside NAME.pcap).

Each check is a filter over Suricata's eve.json events: "count" events
match every key.  The keys that mean what a field of ours means are
compared (a check with a tx_id or a single match is compared key by key
against the transaction it names; a check counting several events is
compared by that count):
- smtp events: smtp.helo, smtp.mail_from, smtp.rcpt_to[i] (Suricata writes
  the path with its angle brackets, every RCPT TO argument; ours: accepted
  and refused recipients), email.from / to[i] / cc[i] (the header's
  mailboxes), email.attachment[i] (file names), email.received[i] (the
  hop's from/by/date), email.status PARSE_DONE (a message whose end was
  seen), tx_id (the transaction's index), not-has-key;
- fileinfo / files[i]: filename, size, sha256, state CLOSED (an attachment
  of a message that was not cut);
- pop3 events: request command and argument, response status, success and
  header (the text of the first line);
- flow events: app_proto (the session's protocol: smtp, pop3, tls for a
  session whose TLS mailscope reports), pkts_toserver / pkts_toclient.
Alerts (Suricata's rules), anomaly events (Suricata's own event names),
frames, email.url, pcap_cnt and stats are Suricata's alone: not compared.
Checks for older Suricata versions (requires lt-version / version) are
skipped.
"""
import os
import re

import yaml

from common import Fact, messages

REF = "suricata-verify"
NOT_COMPARED = re.compile(r"^(alert\.|anomaly\.|frame\.|email\.url|pcap_cnt|"
                          r"pkt_src|flow\.bytes|fileinfo\.(stored|gaps|tx_id)|"
                          r"files\[\d+\]\.(stored|gaps|tx_id)|app_proto_tc|"
                          r"fileinfo\.storing)")
SELECTORS = ("event_type", "src_ip", "dest_ip", "src_port", "dest_port",
             "proto", "tx_id")


def angle(v):
    v = str(v).strip()
    m = re.search(r"<([^<>]*)>\s*$", v)
    return (m.group(1) if m else v).lower()


def transactions(sessions, match):
    """Suricata's smtp transactions: each MAIL transaction, or one per
    session that never began one (its helo is still logged)."""
    out = []
    for s in sessions:
        if s["proto"] != "smtp" or not selected(s, match):
            continue
        txs = s.get("transactions", [])
        if not txs:
            out.append((s, None))
        out += [(s, t) for t in txs]
    return out


def selected(s, match):
    for key, side, field in (("src_ip", "client", "ip"),
                             ("dest_ip", "server", "ip"),
                             ("src_port", "client", "port"),
                             ("dest_port", "server", "port")):
        if key in match and str(s[side][field]) != str(match[key]):
            return False
    return True


def recipients(t):
    if not t:
        return []
    return [r.lower() for r in t["rcpt_to"]] + \
        [r["addr"].lower() for r in t["rcpt_rejected"]] + \
        [r.lower() for r in t.get("rcpt_unanswered", [])]


def received_words(v):
    """A Received value's from host, by host and date, as our record
    splits them."""
    by = re.search(r"\bby\s+([^\s;(]+)", v)
    frm = re.match(r"\s*from\s+([^\s;(]+)", v)
    date = v.rsplit(";", 1)[1].strip() if ";" in v else None
    return [frm.group(1) if frm else None, by.group(1) if by else None, date]


def smtp_value(key, s, t):
    """Our value for one eve key of an smtp event."""
    m = (t or {}).get("message")
    idx = re.search(r"\[(\d+)\]$", key)
    i = int(idx.group(1)) if idx else None
    base = key[:idx.start()] if idx else key
    if base == "smtp.helo":
        return s.get("helo")
    if base == "smtp.mail_from":
        return None if not t else (t.get("mail_from") or "").lower()
    if base == "smtp.rcpt_to":
        r = recipients(t)
        return r[i] if i is not None and i < len(r) else None
    if base in ("email.from", "email.to", "email.cc"):
        v = (m or {}).get(base.split(".")[1], [])
        j = i or 0
        return v[j].lower() if j < len(v) else None
    if base == "email.attachment":
        a = (m or {}).get("attachments", [])
        return a[i].get("filename") if i < len(a) else None
    if base == "email.received":
        r = (m or {}).get("received", [])
        return [r[i].get("from"), r[i].get("by"), r[i].get("date")] \
            if i < len(r) else None
    if base == "email.status":
        return None if not m else ("TRUNCATED" if m.get("truncated")
                                   else "PARSE_DONE")
    if base == "email":
        return "present" if m else None
    raise KeyError(key)


def their_value(key, v):
    base = re.sub(r"\[\d+\]$", "", key)
    if base in ("smtp.mail_from", "smtp.rcpt_to", "email.from", "email.to",
                "email.cc"):
        return angle(v)
    if base == "email.received":
        return received_words(v)
    return v


def smtp_check(capture, n, match, count, sessions):
    facts = []
    keys = [k for k in match if k not in SELECTORS and not NOT_COMPARED.match(k)
            and k != "not-has-key"]
    absent = match.get("not-has-key", [])
    absent = [absent] if isinstance(absent, str) else absent
    absent = [k for k in absent if not NOT_COMPARED.match(k)]
    txs = transactions(sessions, match)
    where = "check %d" % n
    if "tx_id" in match:
        i = int(match["tx_id"])
        txs = txs[i:i + 1]
        where += " tx %d" % i
    if count != 1 or not keys and not absent:
        got = sum(all(smtp_value(k, s, t) == their_value(k, match[k])
                      for k in keys) for s, t in txs)
        return [Fact(REF, capture, where + " smtp events", count, got)]
    # the transaction that matches most keys is the one the check means
    best = max(txs, key=lambda st: sum(
        smtp_value(k, *st) == their_value(k, match[k]) for k in keys),
        default=(None, None))
    s, t = best
    for k in keys:
        facts.append(Fact(REF, capture, "%s %s" % (where, k),
                          their_value(k, match[k]),
                          smtp_value(k, s, t) if s else None))
    for k in absent:
        facts.append(Fact(REF, capture, "%s not-has-key %s" % (where, k), None,
                          smtp_value(k, s, t) if s else None))
    return facts


def attachments(sessions):
    for s in sessions:
        for _, m in messages(s):
            for a in m.get("attachments", []):
                yield m, a


def file_check(capture, n, match, count, sessions):
    facts = []
    prefix = "fileinfo." if any(k.startswith("fileinfo.") for k in match) \
        else "files[0]."
    want = {k[len(prefix):]: v for k, v in match.items()
            if k.startswith(prefix) and not NOT_COMPARED.match(k)}
    found = None
    for m, a in attachments(sessions):
        if want.get("sha256") in (None, a.get("sha256")) and \
                want.get("filename") in (None, a.get("filename")):
            found = (m, a)
            break
    ours = {}
    if found:
        m, a = found
        ours = {"filename": a.get("filename"), "sha256": a.get("sha256"),
                "size": a.get("bytes"),
                "state": "TRUNCATED" if m.get("truncated") else "CLOSED"}
    for k, v in sorted(want.items()):
        facts.append(Fact(REF, capture, "check %d file %s" % (n, k), v,
                          ours.get(k)))
    return facts


def pop3_check(capture, n, match, count, sessions):
    cmds = [c for s in sessions if s["proto"] == "pop3" for c in s["commands"]]

    def value(k, c):
        r = c.get("reply") or {}
        code = r.get("status") or r.get("code")
        return {"pop3.request.command": c["verb"],
                "pop3.request.args": c["arg"].split(" ") if c.get("arg") else [],
                "pop3.response.status": code.lstrip("+-") if code else None,
                "pop3.response.success": code == "+OK" if code else None,
                "pop3.response.header": (r.get("text") or "").split("\n")[0]
                if code else None}[k]
    keys = [k for k in match if k.startswith("pop3.") and
            not k.startswith("pop3.response.data")]
    got = sum(all(value(k, c) == match[k] for k in keys) for c in cmds)
    return [Fact(REF, capture, "check %d pop3 %s" % (n, " ".join(
        "%s=%s" % (k.split(".")[-1], match[k]) for k in keys)), count, got)]


def flow_check(capture, n, match, count, sessions):
    facts = []
    if "app_proto" in match:
        got = sum(1 for s in sessions if selected(s, match) and (
            s["proto"] == match["app_proto"] or
            (match["app_proto"] == "tls" and s["tls"] != "none")))
        facts.append(Fact(REF, capture, "check %d flow app_proto %s" % (
            n, match["app_proto"]), count, got))
    for key, side in (("flow.pkts_toserver", "client"),
                      ("flow.pkts_toclient", "server")):
        if key in match:
            s = next((s for s in sessions if selected(s, match)), None)
            facts.append(Fact(REF, capture, "check %d %s" % (n, key),
                              match[key], s["packets"][side] if s else None))
    return facts


def compare_one(capture, test, ours):
    facts = []
    sessions = ours.sessions(capture)
    for n, check in enumerate(test.get("checks", []), 1):
        flt = check.get("filter")
        if not flt or "lt-version" in flt.get("requires", {}) or \
                "version" in flt.get("requires", {}):
            continue
        match, count = flt.get("match", {}), flt.get("count", 1)
        ev = match.get("event_type")
        if ev == "smtp" or (ev is None and any(
                k.startswith(("smtp.", "email.")) for k in match)):
            facts += smtp_check(capture, n, match, count, sessions)
        elif ev == "fileinfo":
            facts += file_check(capture, n, match, count, sessions)
        elif any(k.startswith("pop3.") for k in match):
            facts += pop3_check(capture, n, match, count, sessions)
        elif ev == "flow":
            facts += flow_check(capture, n, match, count, sessions)
        if any(k.startswith("files[") for k in match):
            facts += file_check(capture, n, match, count, sessions)
    return facts


def compare(captures, ours):
    facts = []
    for capture in captures:
        if "suricata-verify" not in capture:
            continue
        yml = os.path.splitext(capture)[0] + ".test.yaml"
        if os.path.exists(yml):
            facts += compare_one(capture, yaml.safe_load(open(yml)), ours)
    return facts
