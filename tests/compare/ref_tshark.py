"""ref_tshark.py - mailscope against tshark's SMTP/POP3 fields and TCP
conversations, over every capture of pcaps/.

Compared, per TCP conversation that mailscope reports as a session:
- commands: tshark's command lines (smtp.command_line, pop.request.*),
  as a multiset of (verb, argument) per conversation, arguments compared
  where mailscope prints them (secrets are redacted by design: the verb
  only), verbs cut to four characters as tshark does (STARTTLS: STAR);
- replies: tshark's reply codes (smtp.response.code, one per reply;
  pop.response.indicator), as a multiset, against the greeting, the
  replies to commands and the replies to message bodies (the 334 and
  "+ " steps of an AUTH exchange are inside one command to mailscope:
  docs/json.md; not compared);
- the conversation: packets of each side, its first and last packet's
  time (issue 14 behaviour 8: every packet of the connection, also after
  both FINs).
tshark does not follow AUTH or BDAT and calls base64 and chunk bytes
commands: those are reference-wrong rows in DIFFERENCES.md.  A capture
with a key log beside it (pcaps/tls/NAME.keylog) is read decrypted by both
(tshark -o tls.keylog_file, mailscope --tls-keylog): issue 16's second
reference for the commands inside TLS.
"""
import collections
import ipaddress
import os
import subprocess

from common import Fact, keylog_of, reply_codes, seconds

REF = "tshark"
SEP, AGG = "\x1e", "\x1f"
FIELDS = ["frame.protocols", "tcp.stream", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
          "tcp.srcport", "tcp.dstport",
          "frame.time_epoch", "smtp.command_line", "smtp.response.code",
          "pop.request.command", "pop.request.parameter",
          "pop.response.indicator"]
# tshark cannot tell an Ethernet pseudowire behind an MPLS label by itself
DECODE_AS = {"tunnels.pcap": ["-d", "mpls.label==3000,pwethcw"]}
SECRET_VERBS = {"AUTH", "PASS", "APOP"}


def tshark(path):
    k = keylog_of(path)
    cmd = ["tshark", "-n", "-r", path] + (
        ["-o", "tls.keylog_file:" + k] if k else []) + DECODE_AS.get(
        os.path.basename(path), []) + ["-Y", "tcp", "-T", "fields", "-E",
                                      "separator=" + SEP, "-E",
                                      "aggregator=" + AGG, "-E",
                                      "occurrence=a"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True,
                         errors="surrogateescape", check=False).stdout
    streams = {}
    for line in out.split("\n"):  # not splitlines(): it splits at SEP too
        f = dict(zip(FIELDS, line.split(SEP)))
        if not f.get("tcp.stream") or not f.get("tcp.srcport") or \
                ":icmp" in f.get("frame.protocols", ""):
            continue  # an ICMP error quoting a segment is not one of its
        for k in ("tcp.stream", "tcp.srcport", "tcp.dstport"):
            f[k] = f[k].split(AGG)[-1]  # the innermost TCP header
        s = streams.setdefault(int(f["tcp.stream"]), {
            "packets": collections.Counter(), "first": None, "last": None,
            "cmds": collections.Counter(), "codes": collections.Counter(),
            "ports": None, "ends": None})
        src = (f["tcp.srcport"], f["tcp.dstport"])
        if s["ports"] is None:
            s["ports"] = src
            s["ends"] = ends(f)
        s["packets"][src] += 1
        whole, _, frac = f["frame.time_epoch"].partition(".")
        t = "%s.%s" % (whole, (frac + "000000")[:6])
        s["first"] = t if s["first"] is None else s["first"]
        s["last"] = t
        for line_ in filter(None, f.get("smtp.command_line", "").split(AGG)):
            if line_.endswith("\\r\\n"):  # tshark shows the line end
                line_ = line_[:-4]
            verb, _, arg = line_.partition(" ")
            s["cmds"][(verb.upper()[:4], printable(arg))] += 1
        verbs = [v for v in f.get("pop.request.command", "").split(AGG) if v]
        params = f.get("pop.request.parameter", "").split(AGG)
        for i, v in enumerate(verbs):
            arg = params[i] if len(params) == len(verbs) else None
            s["cmds"][(v.upper()[:4], printable(arg))] += 1
        for c in filter(None, f.get("smtp.response.code", "").split(AGG)):
            s["codes"][c] += 1
        for c in filter(None, f.get("pop.response.indicator", "").split(AGG)):
            s["codes"][c] += 1
    return streams


def printable(arg):
    """An argument as tshark shows it, when that is its bytes: tshark and
    mailscope escape other bytes differently (then the verb alone is
    compared)."""
    if arg is None or any(c < " " or c > "~" for c in arg):
        return None
    return arg


def canon(ip):
    return str(ipaddress.ip_address(ip))


def ends(f):
    """The conversation's two ends, by the innermost IP header."""
    src = (f.get("ipv6.src") or f.get("ip.src", "")).split(AGG)[-1]
    dst = (f.get("ipv6.dst") or f.get("ip.dst", "")).split(AGG)[-1]
    try:
        return frozenset([(canon(src), int(f["tcp.srcport"])),
                          (canon(dst), int(f["tcp.dstport"]))])
    except ValueError:
        return None


def our_counts(s):
    cmds = collections.Counter()
    for c in s["commands"]:
        verb = c["verb"][:4]
        arg = None if c["verb"] in SECRET_VERBS else c.get("arg", "")
        cmds[(verb, arg)] += 1
    return cmds, collections.Counter(reply_codes(s))


def session_of(ours, st, used):
    """mailscope's session for a tshark stream: the same two ends (the
    first one not taken yet: a capture may hold the same addresses and
    ports on two VLANs or in two tunnels)."""
    for i, s in enumerate(ours):
        mine = frozenset([(canon(s["client"]["ip"]), s["client"]["port"]),
                          (canon(s["server"]["ip"]), s["server"]["port"])])
        if i not in used and mine == st["ends"]:
            used.add(i)
            return s
    return None


def compare_stream(capture, sid, st, s):
    facts = []
    where = "stream %d" % sid
    client = (str(s["client"]["port"]), str(s["server"]["port"]))
    server = (client[1], client[0])
    facts.append(Fact(REF, capture, where + " packets client",
                      st["packets"][client], s["packets"]["client"]))
    facts.append(Fact(REF, capture, where + " packets server",
                      st["packets"][server], s["packets"]["server"]))
    facts.append(Fact(REF, capture, where + " first packet",
                      st["first"], seconds(s["ts"])))
    facts.append(Fact(REF, capture, where + " last packet",
                      st["last"], seconds(s["end_ts"])))
    cmds, codes = our_counts(s)
    for (verb, arg), n in sorted(st["cmds"].items(), key=str):
        if verb in {v[:4] for v in SECRET_VERBS} or arg is None:
            mine = sum(k for (v, _), k in cmds.items() if v == verb)
            theirs = sum(k for (v, _), k in st["cmds"].items() if v == verb)
            facts.append(Fact(REF, capture, "%s command %s" % (where, verb),
                              theirs, mine))
            continue
        facts.append(Fact(REF, capture, "%s command %s %s" % (where, verb, arg),
                          n, cmds.get((verb, arg), 0)))
    for code, n in sorted(st["codes"].items()):
        if code in ("334", "+"):
            continue
        facts.append(Fact(REF, capture, "%s replies %s" % (where, code), n,
                          codes.get(code, 0)))
    return dedupe(facts)


def dedupe(facts):
    seen, out = set(), []
    for f in facts:
        if f.key not in seen:
            seen.add(f.key)
            out.append(f)
    return out


def compare(captures, ours):
    facts = []
    for capture in captures:
        sessions = ours.sessions(capture)
        if not sessions:
            continue
        used = set()
        for sid, st in sorted(tshark(capture).items()):
            s = session_of(sessions, st, used)
            if s is not None:
                facts += compare_stream(capture, sid, st, s)
    return facts

