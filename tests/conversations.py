#!/usr/bin/python3
"""conversations.py MAILSCOPE CAPTURE... - every TCP conversation on a mail
port that carries payload must appear exactly once in mailscope's NDJSON,
with the same endpoints, IP version and VLAN ids as tshark's view of it,
and with tshark's conversation statistics: the packets of each side and
the time of its first and last packet (every packet of the connection,
also after both FINs: the last ACK, RSTs; an ICMP error that quotes a
segment is not one of them).

Excluded, with the reason: conversations without a single payload byte
(connection attempts: mailscope reports sessions, not bare connections)."""
import collections
import json
import os
import subprocess
import sys

MAIL_PORTS = {25, 587, 2525, 465, 110, 995}


# tshark cannot tell an Ethernet pseudowire behind an MPLS label from other
# payloads by itself: it is told which label carries one.
DECODE_AS = {"tunnels.pcap": ["-d", "mpls.label==3000,pwethcw"]}


def tshark_conversations(path):
    out = subprocess.run(
        ["tshark", "-n", "-r", path] +
        DECODE_AS.get(os.path.basename(path), []) + ["-Y", "tcp", "-T", "fields", "-E",
         "separator=|", "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src",
         "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e",
         "tcp.dstport", "-e", "vlan.id", "-e", "tcp.len", "-e",
         "ieee8021ad.id", "-e", "frame.protocols", "-e", "frame.time_epoch"],
        capture_output=True, text=True, check=False).stdout
    streams = {}
    for line in out.splitlines():
        f = line.split("|")
        if len(f) < 9 or not f[0] or ":icmp" in (f[10] if len(f) > 10 else ""):
            continue
        stream = int(f[0])
        # in a tunnel, the innermost IP header before TCP is the session's
        stack = f[10].split(":") if len(f) > 10 else []
        layers = [x for x in stack if x in ("ip", "ipv6")]
        v6 = layers[-1] == "ipv6" if layers else not f[1]
        src = (f[2] if v6 else f[1]).split(",")[-1]
        dst = (f[5] if v6 else f[4]).split(",")[-1]
        sport, dport = int(f[3]), int(f[6])
        outer = [int(x) for x in f[9].split(",") if x] if len(f) > 9 else []
        vlan = tuple(outer + [int(x) for x in f[7].split(",") if x])
        s = streams.setdefault(stream, {"ends": frozenset(
            [(src, sport), (dst, dport)]), "v": 6 if v6 else 4, "vlan": vlan,
            "payload": 0, "ports": {sport, dport}, "packets": {},
            "first": None, "last": None})
        s["payload"] += int(f[8] or 0)
        s["packets"][(src, sport)] = s["packets"].get((src, sport), 0) + 1
        whole, _, frac = f[11].partition(".")
        t = "%s.%s" % (whole, (frac + "000000")[:6])
        s["first"] = s["first"] or t
        s["last"] = t
    return streams


def mailscope_sessions(binary, path):
    out = subprocess.run([binary, "-J", "-q", "-r", path], capture_output=True,
                         text=True, check=False).stdout
    sessions = []
    for line in out.split("\n"):  # not splitlines: U+2028 ends no record
        if not line:
            continue
        r = json.loads(line)
        if r.get("event") != "session":
            continue
        sessions.append({"ends": frozenset([
            (r["client"]["ip"], r["client"]["port"]),
            (r["server"]["ip"], r["server"]["port"])]),
            "v": r["ip_version"], "vlan": tuple(r.get("vlan", [])),
            "stats": (canon_side(r["client"], r["packets"]["client"]),
                      canon_side(r["server"], r["packets"]["server"]),
                      epoch(r["ts"]), epoch(r["end_ts"]))})
    return sessions


def epoch(ts):
    """RFC 3339 (ours) as tshark's epoch seconds, to the microsecond."""
    import calendar
    import time
    whole, frac = ts.rstrip("Z").split(".")
    t = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return "%d.%s" % (t, frac)


def canon_side(end, packets):
    import ipaddress
    return (str(ipaddress.ip_address(end["ip"])), end["port"], packets)


def tshark_stats(s):
    import ipaddress
    sides = sorted((str(ipaddress.ip_address(a)), p, n)
                   for (a, p), n in s["packets"].items())
    return sides, s["first"], s["last"]


def canon(ends):
    # tshark prints IPv6 compressed too; normalise both through inet_pton
    import ipaddress
    return frozenset((str(ipaddress.ip_address(a)), p) for a, p in ends)


def main():
    binary, captures = sys.argv[1], sys.argv[2:]
    failures = 0
    checked = 0
    for path in captures:
        want = collections.Counter()
        for s in tshark_conversations(path).values():
            if not (s["ports"] & MAIL_PORTS) or s["payload"] == 0:
                continue
            sides, first, last = tshark_stats(s)
            want[(canon(s["ends"]), s["v"], s["vlan"], str(sides), first,
                  last)] += 1
        got = collections.Counter()
        for s in mailscope_sessions(binary, path):
            if {p for _, p in s["ends"]} & MAIL_PORTS:
                client, server, first, last = s["stats"]
                sides = sorted(x for x in (client, server) if x[2])
                got[(canon(s["ends"]), s["v"], s["vlan"], str(sides), first,
                     last)] += 1
        checked += sum(want.values())
        if want != got:
            failures += 1
            print("FAIL", path)
            for k in want - got:
                print("   tshark only:", sorted(k[0]), "v%d" % k[1], k[2],
                      "packets", k[3], k[4], k[5])
            for k in got - want:
                print("   mailscope only:", sorted(k[0]), "v%d" % k[1], k[2],
                      "packets", k[3], k[4], k[5])
    print("conversations: %d captures, %d mail conversations, %d mismatching"
          % (len(captures), checked, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
