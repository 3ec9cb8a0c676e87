"""ref_ndpi.py - mailscope against ndpiReader's view of each flow
(pcaps/corpus/ndpi/NAME.out beside NAME: one line per flow).

Compared, per flow that mailscope reports (matched by its two ends):
- the protocol: nDPI's SMTP/SMTPS/POP3/POPS (the S: TLS was seen, after
  STARTTLS/STLS or on an implicit-TLS port) against proto and tls;
- packets of each direction ("N pkts/... <-> N pkts/...": nDPI's first
  side is the client);
- TLS: JA3C, JA3S, JA4, cipher, SNI (not yet produced: issue 15).
nDPI's byte counts are frame bytes (not payload) and its risk flags its
own: not compared.
"""
import ipaddress
import os
import re

from common import Fact, tls_fact

REF = "ndpi"
FLOW = re.compile(r"^\s*\d+\s+TCP\s+(\[?[0-9a-fA-F.:]+?\]?):(\d+)\s+<->\s+"
                  r"(\[?[0-9a-fA-F.:]+?\]?):(\d+)\s+\[proto: [\d.]+/([\w.]+)\]")
PKTS = re.compile(r"\[(\d+) pkts/\d+ bytes <-> (\d+) pkts/\d+ bytes\]")
TAGS = {"JA3C": ["ja3"], "JA3S": ["ja3s"], "JA4": ["ja4"],
        "Cipher": ["cipher"], "Hostname/SNI": ["server_name", "sni"]}


def canon(ip):
    return str(ipaddress.ip_address(ip.strip("[]")))


def flows(path):
    for line in open(path, encoding="utf-8", errors="replace"):
        m = FLOW.match(line)
        if m:
            yield m, line


def compare_flow(capture, m, line, sessions):
    a = (canon(m.group(1)), int(m.group(2)))
    b = (canon(m.group(3)), int(m.group(4)))
    s = None
    for x in sessions:
        mine = ((canon(x["client"]["ip"]), x["client"]["port"]),
                (canon(x["server"]["ip"]), x["server"]["port"]))
        if mine in ((a, b), (b, a)):
            s, client_first = x, mine[0] == a
            break
    where = "%s:%d" % a
    if s is None:
        return [Fact(REF, capture, where + " session", m.group(5), None)]
    proto = m.group(5).split(".")[0]
    ours = {"smtp": "SMTP", "pop3": "POP3"}[s["proto"]] + \
        ("S" if s["tls"] != "none" else "")
    ours = "POPS" if ours == "POP3S" else ours
    facts = [Fact(REF, capture, where + " proto", proto, ours)]
    p = PKTS.search(line)
    if p:
        first, second = int(p.group(1)), int(p.group(2))
        client, server = (first, second) if client_first else (second, first)
        facts.append(Fact(REF, capture, where + " packets client", client,
                          s["packets"]["client"]))
        facts.append(Fact(REF, capture, where + " packets server", server,
                          s["packets"]["server"]))
    for tag, names in TAGS.items():
        t = re.search(r"\[%s: ([^\]\s]+)" % re.escape(tag), line)
        if t:
            facts.append(tls_fact(REF, capture, "%s %s" % (where, tag),
                                  t.group(1), s, names))
    return facts


def compare(captures, ours):
    facts = []
    for capture in captures:
        out = capture + ".out"
        if os.sep + "ndpi" + os.sep not in capture or not os.path.exists(out):
            continue
        for m, line in flows(out):
            facts += compare_flow(capture, m, line, ours.sessions(capture))
    return facts
