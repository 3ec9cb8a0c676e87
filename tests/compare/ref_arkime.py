"""ref_arkime.py - mailscope against Arkime's expected sessions
(pcaps/corpus/arkime/NAME.test beside NAME.pcap: sessions3[].body).

Compared, per session (matched by its two ends):
- the connection: source/destination packets (packets), client/server
  bytes (payload bytes: ours plus the bytes lost in holes), firstPacket
  and lastPacket (ts, end_ts, in milliseconds);
- email: smtpHello (every HELO/EHLO name: ours keeps the last), src (MAIL
  FROM and From), dst (RCPT TO, accepted or refused, To and Cc), subject
  (decoded), id
  (Message-ID without brackets), useragent, filename (attachments),
  contentType (the top-level media type of each message), ip (each hop's
  sender address of ours is among Arkime's, which lists every address of
  the Received headers), md5 and sha256 (Arkime digests every
  decoded part, mailscope only attachments: each attachment's digest must
  be among Arkime's);
- tls: ja3, ja3s, ja4, cipher, version (not yet produced: issue 15).
Arkime lower-cases addresses and host names; so are ours before comparing.
"""
import json
import os

from common import Fact, find_session, messages, micros, tls_fact

REF = "arkime"


def lower_set(v):
    return sorted({x.lower() for x in v})


def email_facts(capture, where, e, s):
    facts = []
    msgs = messages(s)
    txs = s.get("transactions", [])

    def add(name, theirs, ours):
        facts.append(Fact(REF, capture, "%s email.%s" % (where, name), theirs,
                          ours))
    if "smtpHello" in e:
        add("smtpHello", lower_set(e["smtpHello"]),
            lower_set([s["helo"]]) if s.get("helo") else [])
    if "src" in e:  # Arkime: MAIL FROM and the From header
        add("src", lower_set(e["src"]), lower_set(
            [t["mail_from"] for t in txs if t.get("mail_from")] +
            [a for _, m in msgs for a in m.get("from", []) if a]))
    if "dst" in e:  # RCPT TO (accepted or not), To and Cc
        add("dst", lower_set(e["dst"]), lower_set(
            [r for t in txs for r in t["rcpt_to"]] +
            [r["addr"] for t in txs for r in t["rcpt_rejected"]] +
            [r for t in txs for r in t.get("rcpt_unanswered", [])] +
            [a for _, m in msgs for k in ("to", "cc") for a in m.get(k, [])
             if a]))
    if "subject" in e:
        add("subject", sorted(e["subject"]),
            sorted(m["subject"] for _, m in msgs if "subject" in m))
    if "id" in e:
        add("id", sorted(e["id"]), sorted(
            m["message_id"].strip().strip("<>") for _, m in msgs
            if "message_id" in m))
    if "useragent" in e:
        add("useragent", sorted(e["useragent"]),
            sorted(m["user_agent"] for _, m in msgs if "user_agent" in m))
    if "filename" in e:
        add("filename", sorted(e["filename"]), sorted(
            a["filename"] for _, m in msgs for a in m.get("attachments", [])
            if "filename" in a))
    if "contentType" in e:
        add("contentType", sorted(
            c.split(";")[0].strip().lower() for c in e["contentType"]),
            sorted(m["content_type"] for _, m in msgs if "content_type" in m))
    for ip in sorted({h["ip"] for _, m in msgs for h in m.get("received", [])
                      if "ip" in h}):  # Arkime lists the by-side too
        add("ip %s among Arkime's" % ip, True, ip in e.get("ip", []))
    for kind in ("md5", "sha256"):
        if kind not in e:
            continue  # Arkime digested nothing in this message
        theirs = set(e[kind])
        for i, (_, m) in enumerate(msgs):
            for j, a in enumerate(m.get("attachments", [])):
                add("%s of message %d attachment %d" % (kind, i + 1, j + 1),
                    True, a[kind] in theirs)
    return facts


def session_facts(capture, body, ours):
    src, dst = body["source"], body["destination"]
    s = find_session(ours, src["port"], dst["port"], src["ip"])
    where = "%s:%s" % (src["ip"], src["port"])
    if s is None:
        return [Fact(REF, capture, where + " session", "present", None)]
    facts = [
        Fact(REF, capture, where + " source.packets", src["packets"],
             s["packets"]["client"]),
        Fact(REF, capture, where + " destination.packets", dst["packets"],
             s["packets"]["server"]),
        Fact(REF, capture, where + " firstPacket", body["firstPacket"],
             micros(s["ts"]) // 1000),
        Fact(REF, capture, where + " lastPacket", body["lastPacket"],
             micros(s["end_ts"]) // 1000),
    ]
    if s["tls"] == "none":
        facts.append(Fact(REF, capture, where + " client.bytes",
                          body["client"]["bytes"], s["bytes"]["client"]))
        facts.append(Fact(REF, capture, where + " server.bytes",
                          body["server"]["bytes"], s["bytes"]["server"]))
    facts += email_facts(capture, where, body.get("email", {}), s)
    tls = body.get("tls", {})
    for name, names in (("ja3", ["ja3"]), ("ja3s", ["ja3s"]), ("ja4", ["ja4"]),
                        ("cipher", ["cipher"]), ("version", ["version"])):
        for v in tls.get(name, []):
            facts.append(tls_fact(REF, capture, "%s tls.%s" % (where, name), v,
                                  s, names))
    return facts


def compare(captures, ours):
    facts = []
    for capture in captures:
        if os.sep + "arkime" + os.sep not in capture:
            continue
        test = os.path.splitext(capture)[0] + ".test"
        if not os.path.exists(test):
            continue
        for sess in json.load(open(test)).get("sessions3", []):
            facts += session_facts(capture, sess["body"],
                                   ours.sessions(capture))
    return facts

