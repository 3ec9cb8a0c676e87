#!/usr/bin/python3
"""make_edge_pcaps.py OUTDIR - hand-made captures for cases real peers do
not produce on demand: VLAN and QinQ tags, other link types, IPv6, IPv4
fragments, midstream pick-up, lost / reordered / retransmitted / conflicting
segments, pcapng, a truncated file, an odd port, the RFC 2920 example with
and without pipelining, BDAT, POP3 pipelining split at odd places, hostile
bytes, a snaplen-cut copy of a real session, tunnels (IP-in-IP, GRE, ERSPAN, VXLAN, Geneve, GTP-U, PPTP, PPPoE,
MPLS), more link types (PPP, Cisco HDLC, NFLOG, 802.11, pflog, enc), servers
that never greet and clients that speak first, and
the demo capture used by `make run`.

Deterministic: fixed addresses, sequence numbers and timestamps, so the
files are byte-identical on every run.  Needs Debian's python3-scapy.
"""
import os
import struct
import sys

from scapy.all import (IP, TCP, UDP, Dot1Q, Dot1AD, Ether, IPv6, Raw, wrpcap,
                       fragment, fragment6, IPv6ExtHdrFragment)
from scapy.layers.l2 import CookedLinuxV2
from scapy.utils import PcapNgWriter, PcapWriter

T0 = 1763800000.0  # 2025-11-22T08:26:40Z


class Session:
    """Builds the packets of one TCP connection in wire order."""

    def __init__(self, client, server, cport, sport, v6=False, mss=1460,
                 t0=T0, handshake=True, isn_c=1000, isn_s=5000):
        self.c, self.s, self.cport, self.sport = client, server, cport, sport
        self.v6, self.mss, self.t = v6, mss, t0
        self.seq = {0: isn_c, 1: isn_s}
        self.pkts = []
        if handshake:
            self._add(0, "S", b"", seq=isn_c - 1)
            self._add(1, "SA", b"", seq=isn_s - 1)
            self._add(0, "A", b"")

    def _ip(self, d):
        src, dst = (self.c, self.s) if d == 0 else (self.s, self.c)
        return IPv6(src=src, dst=dst) if self.v6 else IP(src=src, dst=dst)

    def _add(self, d, flags, data, seq=None, ack=None):
        sp, dp = (self.cport, self.sport) if d == 0 else (self.sport, self.cport)
        s = self.seq[d] if seq is None else seq
        a = self.seq[1 - d] if ack is None else ack
        p = self._ip(d) / TCP(sport=sp, dport=dp, flags=flags, seq=s, ack=a,
                              window=65535)
        if data:
            p = p / Raw(load=data)
        self.t += 0.001
        p.time = self.t
        self.pkts.append(p)
        return p

    def send(self, d, data, sizes=None):
        """data from side d (0 client, 1 server), cut into segments."""
        i = 0
        sizes = list(sizes or [])
        while i < len(data):
            n = sizes.pop(0) if sizes else self.mss
            chunk = data[i:i + n]
            self._add(d, "PA", chunk)
            self.seq[d] += len(chunk)
            i += n
        self._add(1 - d, "A", b"")

    def close(self):
        self._add(0, "FA", b"")
        self.seq[0] += 1
        self._add(1, "FA", b"")
        self.seq[1] += 1
        self._add(0, "A", b"")

    def dialogue(self, steps):
        for d, data in steps:
            self.send(d, data)
        return self


def crlf(*lines):
    return b"".join(l + b"\r\n" for l in lines)


ATTACHMENT = b"mailscope test attachment\r\n" * 40

MESSAGE = (crlf(
    b"Received: from client.example.test (client.example.test [192.0.2.10])",
    b"\tby mx.example.test (Postfix) with ESMTPSA id 4ABC123",
    b"\tfor <bob@example.org>; Sat, 22 Nov 2025 08:26:40 +0000 (UTC)",
    b"From: Alice Example <alice@example.test>",
    b"To: Bob <bob@example.org>",
    b"Subject: =?UTF-8?Q?Quarterly_r=C3=A9port?=",
    b"Date: Sat, 22 Nov 2025 08:26:40 +0000",
    b"Message-ID: <demo-1@example.test>",
    b"User-Agent: demo-client/1.0",
    b"MIME-Version: 1.0",
    b"Content-Type: multipart/mixed; boundary=\"b1\"",
    b"",
    b"--b1",
    b"Content-Type: text/plain; charset=utf-8",
    b"",
    b"Hello Bob,",
    b".. this line starts with a dot",
    b"--b1",
    b"Content-Type: application/octet-stream; name=\"report.txt\"",
    b"Content-Disposition: attachment; filename=\"report.txt\"",
    b"Content-Transfer-Encoding: base64",
    b""))
import base64 as _b64
_enc = _b64.encodebytes(ATTACHMENT).replace(b"\n", b"\r\n")
MESSAGE += _enc + crlf(b"--b1--")

SMTP_DEMO = [
    (1, crlf(b"220 mx.example.test ESMTP Postfix")),
    (0, crlf(b"EHLO client.example.test")),
    (1, crlf(b"250-mx.example.test", b"250-PIPELINING", b"250-SIZE 10240000",
             b"250-AUTH PLAIN LOGIN", b"250-ENHANCEDSTATUSCODES",
             b"250-8BITMIME", b"250 CHUNKING")),
    (0, crlf(b"AUTH LOGIN")),
    (1, crlf(b"334 VXNlcm5hbWU6")),
    (0, crlf(b"YWxpY2U=")),
    (1, crlf(b"334 UGFzc3dvcmQ6")),
    (0, crlf(b"czNjcmV0")),
    (1, crlf(b"235 2.7.0 Authentication successful")),
    (0, crlf(b"MAIL FROM:<alice@example.test> SIZE=2000",
             b"RCPT TO:<bob@example.org>", b"RCPT TO:<carol@example.org>",
             b"RCPT TO:<nobody@example.org>", b"DATA")),
    (1, crlf(b"250 2.1.0 Ok", b"250 2.1.5 Ok", b"250 2.1.5 Ok",
             b"550 5.1.1 <nobody@example.org>: Recipient address rejected",
             b"354 End data with <CR><LF>.<CR><LF>")),
    (0, MESSAGE.replace(b"\r\n.", b"\r\n..") + b".\r\n"),
    (1, crlf(b"250 2.0.0 Ok: queued as 4ABC123")),
    (0, crlf(b"QUIT")),
    (1, crlf(b"221 2.0.0 Bye")),
]

RETR_MSG = crlf(b"From: Alice <alice@example.test>", b"To: bob@example.org",
                b"Subject: hello", b"", b"Hi Bob.", b"..dot line")
RETR_SIZE = len(RETR_MSG.replace(b"\r\n..", b"\r\n."))

POP3_DEMO = [
    (1, crlf(b"+OK Dovecot ready. <1896.697170952@mail.example.test>")),
    (0, crlf(b"CAPA")),
    (1, crlf(b"+OK", b"CAPA", b"TOP", b"UIDL", b"RESP-CODES", b"PIPELINING",
             b"USER", b"SASL PLAIN", b".")),
    (0, crlf(b"USER bob")),
    (1, crlf(b"+OK")),
    (0, crlf(b"PASS wrong")),
    (1, crlf(b"-ERR [AUTH] Authentication failed.")),
    (0, crlf(b"USER bob")),
    (1, crlf(b"+OK")),
    (0, crlf(b"PASS hunter2")),
    (1, crlf(b"+OK Logged in.")),
    (0, crlf(b"STAT", b"LIST", b"UIDL")),
    (1, crlf(b"+OK 1 %d" % RETR_SIZE, b"+OK 1 messages:", b"1 %d" % RETR_SIZE,
             b".", b"+OK", b"1 000000015f3c1a2b", b".")),
    (0, crlf(b"RETR 1")),
    (1, crlf(b"+OK %d octets" % RETR_SIZE) + RETR_MSG + b".\r\n"),
    (0, crlf(b"TOP 1 0")),
    (1, crlf(b"+OK") + crlf(b"From: Alice <alice@example.test>",
                            b"To: bob@example.org", b"Subject: hello", b"",
                            b".")),
    (0, crlf(b"DELE 1")),
    (1, crlf(b"+OK Marked to be deleted.")),
    (0, crlf(b"QUIT")),
    (1, crlf(b"+OK Logging out, messages deleted.")),
]

# RFC 2920 section 3 example, written out: the same exchange as nine round
# trips and as one pipelined group.
RFC2920_CMDS = [b"MAIL FROM:<mrose@dbc.mtview.ca.us>",
                b"RCPT TO:<ned@innosoft.com>", b"RCPT TO:<dan@innosoft.com>",
                b"RCPT TO:<kvc@innosoft.com>", b"DATA"]
RFC2920_REPLIES = [b"250 sender <mrose@dbc.mtview.ca.us> OK",
                   b"250 recipient <ned@innosoft.com> OK",
                   b"250 recipient <dan@innosoft.com> OK",
                   b"250 recipient <kvc@innosoft.com> OK",
                   b"354 enter mail, end with line containing only \".\""]
RFC2920_BODY = crlf(b"Subject: pipelining example", b"", b"Hello.", b".")


def rfc2920(pipelined):
    steps = [(1, crlf(b"220 innosoft.com SMTP service ready")),
             (0, crlf(b"EHLO dbc.mtview.ca.us")),
             (1, crlf(b"250-innosoft.com", b"250 PIPELINING"))]
    if pipelined:
        steps += [(0, crlf(*RFC2920_CMDS)), (1, crlf(*RFC2920_REPLIES))]
    else:
        steps += [x for c, r in zip(RFC2920_CMDS, RFC2920_REPLIES)
                  for x in ((0, crlf(c)), (1, crlf(r)))]
    steps += [(0, RFC2920_BODY), (1, crlf(b"250 message sent")),
              (0, crlf(b"QUIT")), (1, crlf(b"221 goodbye"))]
    return steps


SHORT_SMTP = [
    (1, crlf(b"220 mx.example.test ESMTP")),
    (0, crlf(b"HELO client.example.test")),
    (1, crlf(b"250 mx.example.test")),
    (0, crlf(b"MAIL FROM:<a@example.test>")),
    (1, crlf(b"250 2.1.0 Ok")),
    (0, crlf(b"RCPT TO:<b@example.org>")),
    (1, crlf(b"250 2.1.5 Ok")),
    (0, crlf(b"DATA")),
    (1, crlf(b"354 go ahead")),
    (0, crlf(b"Subject: short", b"", b"body line one", b"body line two",
             b".")),
    (1, crlf(b"250 2.0.0 Ok: queued as 9XYZ")),
    (0, crlf(b"QUIT")),
    (1, crlf(b"221 Bye")),
]


def ether(pkts, tags=()):
    out = []
    for p in pkts:
        l2 = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        inner = p
        for i, (kind, vid) in enumerate(tags):
            l2 = l2 / (Dot1AD(vlan=vid) if kind == "ad" else Dot1Q(vlan=vid))
        f = l2 / inner
        f.time = p.time
        out.append(f)
    return out


def write(path, pkts, linktype=None):
    w = PcapWriter(path, linktype=linktype, sync=True) if linktype is not None \
        else PcapWriter(path, sync=True)
    for p in pkts:
        w.write(p)
    w.close()


OUTER_A, OUTER_B = "198.51.100.1", "198.51.100.2"
OUTER6_A, OUTER6_B = "2001:db8:ffff::1", "2001:db8:ffff::2"
MAC_A, MAC_B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"


def eth_bytes(ethertype, payload, src=MAC_A, dst=MAC_B):
    def mac(m):
        return bytes(int(x, 16) for x in m.split(":"))
    return mac(dst) + mac(src) + struct.pack(">H", ethertype) + payload


def outer_ip(proto, payload, to_server, v6=False, ident=1):
    """The tunnel's own IP packet, endpoints swapped with the direction."""
    if v6:
        a, b = (OUTER6_A, OUTER6_B) if to_server else (OUTER6_B, OUTER6_A)
        return bytes(IPv6(src=a, dst=b, nh=proto) / Raw(load=payload))
    a, b = (OUTER_A, OUTER_B) if to_server else (OUTER_B, OUTER_A)
    return bytes(IP(src=a, dst=b, proto=proto, id=ident) / Raw(load=payload))


def outer_udp(dport, payload, to_server, sport=49152, v6=False):
    a, b = ((OUTER6_A, OUTER6_B) if v6 else (OUTER_A, OUTER_B))
    if not to_server:
        a, b = b, a
    l3 = IPv6(src=a, dst=b) if v6 else IP(src=a, dst=b)
    return bytes(l3 / UDP(sport=sport, dport=dport) / Raw(load=payload))


def tunnel_sessions(C4, S4, C6, S6):
    """One SHORT_SMTP session per encapsulation, as Ethernet frames."""
    frames = []
    port = [40200]

    def session(v6=False):
        c, sv = (C6, S6) if v6 else (C4, S4)
        s = Session(c, sv, port[0], 25, v6=v6, t0=T0 + (port[0] - 40200))
        port[0] += 1
        s.dialogue(SHORT_SMTP)
        s.close()
        return [(p, p.src == c) for p in s.pkts]

    def add(pkts, make):
        for p, up in pkts:
            frames.append((p.time, make(bytes(p), up)))

    def inner_eth(ip, up, vlan=None):
        et = 0x86dd if ip[0] >> 4 == 6 else 0x0800
        if vlan is None:
            return eth_bytes(et, ip, *(("02:00:00:00:01:01", "02:00:00:00:01:02")
                                      if up else
                                      ("02:00:00:00:01:02", "02:00:00:00:01:01")))
        return eth_bytes(0x8100, struct.pack(">HH", vlan, et) + ip)

    # IPv4 in IPv4 (protocol 4), IPv6 in IPv4 (6in4, protocol 41)
    add(session(), lambda ip, up: eth_bytes(0x0800, outer_ip(4, ip, up)))
    add(session(True), lambda ip, up: eth_bytes(0x0800, outer_ip(41, ip, up)))
    # GRE with checksum and key fields, IPv4 inside
    add(session(), lambda ip, up: eth_bytes(0x0800, outer_ip(
        47, struct.pack(">HHHHI", 0xa000, 0x0800, 0, 0, 42) + ip, up)))
    # ERSPAN type II (GRE with a sequence number), a tagged frame inside
    seq = [0]

    def erspan2(ip, up):
        seq[0] += 1
        hdr = struct.pack(">HHI", 0x1000, 0x88be, seq[0])
        span = struct.pack(">HHI", 0x1000 | 10, 0x0001, 7)
        return eth_bytes(0x0800, outer_ip(47, hdr + span +
                                          inner_eth(ip, up, vlan=10), up))
    add(session(), erspan2)

    # ERSPAN type III: 12 bytes of its own after GRE
    def erspan3(ip, up):
        seq[0] += 1
        hdr = struct.pack(">HHI", 0x1000, 0x22eb, seq[0])
        span = struct.pack(">HHII", 0x2000, 0x0001, 123456, 0)
        return eth_bytes(0x0800, outer_ip(47, hdr + span + inner_eth(ip, up),
                                          up))
    add(session(), erspan3)
    # VXLAN, over IPv4 and over IPv6 (the source port varies by flow)
    add(session(), lambda ip, up: eth_bytes(0x0800, outer_udp(
        4789, struct.pack(">II", 0x08000000, 5001 << 8) + inner_eth(ip, up),
        up, sport=50000 if up else 50001)))
    add(session(), lambda ip, up: eth_bytes(0x86dd, outer_udp(
        4789, struct.pack(">II", 0x08000000, 5002 << 8) + inner_eth(ip, up),
        up, v6=True)))
    # Geneve with one 4-byte option, Ethernet inside
    add(session(), lambda ip, up: eth_bytes(0x0800, outer_udp(
        6081, struct.pack(">BBHI", 1, 0, 0x6558, 77 << 8) +
        struct.pack(">HBB", 0x0103, 0x80, 0) + inner_eth(ip, up), up)))

    # GTP-U T-PDU with a PDU session container extension header
    def gtp(ip, up):
        ext = bytes([1, 0x10, 9, 0])
        body = struct.pack(">HBB", 0, 0, 0x85) + ext + ip
        hdr = struct.pack(">BBHI", 0x34, 0xff, len(body), 0x1234)
        return eth_bytes(0x0800, outer_udp(2152, hdr + body, up,
                                           sport=2152))
    add(session(), gtp)

    # PPTP: enhanced GRE (version 1) carrying PPP
    def pptp(ip, up):
        seq[0] += 1
        ppp = b"\xff\x03\x00\x21" + ip
        hdr = struct.pack(">HHHHI", 0x3001, 0x880b, len(ppp), 3, seq[0])
        return eth_bytes(0x0800, outer_ip(47, hdr + ppp, up))
    add(session(), pptp)
    # PPPoE session data
    add(session(), lambda ip, up: eth_bytes(
        0x8864, struct.pack(">BBHH", 0x11, 0, 0x0101, len(ip) + 2) +
        b"\x00\x21" + ip))
    # MPLS: two labels, then IPv4
    add(session(), lambda ip, up: eth_bytes(
        0x8847, struct.pack(">II", (1000 << 12) | 64, (2000 << 12) | 0x100 | 64)
        + ip))
    # MPLS Ethernet pseudowire: a label, the control word, Ethernet
    add(session(), lambda ip, up: eth_bytes(
        0x8847, struct.pack(">II", (3000 << 12) | 0x100 | 64, 0) +
        inner_eth(ip, up)))
    # 802.3 with LLC/SNAP
    add(session(), lambda ip, up: eth_bytes(
        len(ip) + 8, b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip))

    # GRE whose outer packets are fragmented: a large message
    big = Session(C4, S4, port[0], 25, t0=T0 + 100)
    port[0] += 1
    steps = list(SHORT_SMTP)
    steps[9] = (0, crlf(b"Subject: large", b"", *([b"x" * 70] * 40), b"."))
    big.dialogue(steps)
    big.close()
    for p in big.pkts:
        up = p.src == C4
        gre = struct.pack(">HH", 0, 0x0800) + bytes(p)
        outer = IP(src=OUTER_A if up else OUTER_B,
                   dst=OUTER_B if up else OUTER_A, proto=47, id=900) / \
            Raw(load=gre)
        for piece in fragment(outer, fragsize=1200):
            frames.append((p.time, eth_bytes(0x0800, bytes(piece))))
    frames.sort(key=lambda f: f[0])
    return frames


def cut_to_snaplen(src, dst, snaplen):
    """A copy of classic pcap src whose records keep snaplen bytes each,
    as `tcpdump -s SNAPLEN` would have written them."""
    data = open(src, "rb").read()
    out = bytearray(data[:16]) + struct.pack("<I", snaplen) + data[20:24]
    off = 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        keep = min(incl, snaplen)
        out += struct.pack("<IIII", sec, usec, keep, orig)
        out += data[off + 16:off + 16 + keep]
        off += 16 + incl
    open(dst, "wb").write(out)


def write_raw(path, linktype, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535,
                            linktype))
        for t, frame in frames:
            sec = int(t)
            usec = int(round((float(t) - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)


def link_type_frames(name, ip, up):
    """An IP packet framed for one more link type."""
    if name == "ppp":
        return b"\xff\x03\x00\x21" + ip
    if name == "ppp-dir":
        return bytes([0 if up else 1]) + b"\x21" + ip  # compressed protocol
    if name == "c-hdlc":
        return b"\x0f\x00\x08\x00" + ip
    if name == "nflog":
        prefix = b"smtp\0"
        tlv = [(10, prefix), (1, struct.pack(">HBB", 0x0800, 1, 0)),
               (9, ip)]
        body = b""
        for t, v in tlv:
            n = 4 + len(v)
            body += struct.pack("<HH", n, t) + v + b"\0" * (-n % 4)
        return struct.pack(">BBH", 2, 0, 5) + body
    if name == "pflog":
        # length, af, action, reason, ifname, ruleset, rule numbers,
        # uids and pids, direction: 61 bytes, padded to 64
        hdr = struct.pack(">BBBB16s16sIIIIIIB", 61, 2, 0, 0, b"em0", b"",
                          0, 0, 0, 0, 0, 0, 1)
        return hdr + b"\0" * (-len(hdr) % 4) + ip
    if name == "enc":
        return struct.pack("<III", 2, 0x1234, 0) + ip
    if name in ("802.11", "radiotap"):
        # a QoS data frame to the access point, then LLC/SNAP
        fc = bytes([0x88, 0x01 if up else 0x02])
        wlan = fc + b"\0\0" + b"\x02\0\0\0\0\x01" * 3 + b"\0\0" + b"\0\0"
        body = wlan + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip
        if name == "802.11":
            return body
        # radiotap: version 0, length 12, present: flags + rate
        return struct.pack("<BBHI", 0, 0, 12, 0x6) + b"\x00\x0c\0\0" + body
    if name == "pppoe":
        return struct.pack(">BBHH", 0x11, 0, 7, len(ip) + 2) + b"\x00\x21" + ip
    raise ValueError(name)


LINK_TYPES = [("ppp", 9), ("ppp-dir", 204), ("c-hdlc", 104), ("nflog", 239),
              ("pflog", 117), ("enc", 109), ("802.11", 105),
              ("radiotap", 127), ("pppoe", 51)]


class Sessions:
    """Several connections between c and s, one a second from `port` on:
    add() makes one of the dialogue steps and keeps its packets."""

    def __init__(self, c, s, port):
        self.c, self.s, self.first, self.port = c, s, port, port
        self.pkts = []

    def add(self, sport, steps, handshake=True):
        x = Session(self.c, self.s, self.port, sport,
                    t0=T0 + self.port - self.first, handshake=handshake)
        self.port += 1
        x.dialogue(steps)
        x.close()
        self.pkts.extend(x.pkts)


# Every secret the hand-made AUTH captures hold (tests/secrets.txt lists
# them for tests/t_secrets.sh).
FAILSAFE_PASSWORD = b"edge-s3cret-pw"
FAILSAFE_TOKEN = b"ya29.edge-bearer-token-0123"


def b64(data):
    return _b64.b64encode(data)


def auth_fail_safe_sessions(c, s):
    out = Sessions(c, s, 40500)
    session = out.add
    user, pw, tok = b"bob", FAILSAFE_PASSWORD, FAILSAFE_TOKEN

    hello = [(1, crlf(b"220 mx.example.test ESMTP")),
             (0, crlf(b"EHLO client.example.test")),
             (1, crlf(b"250-mx.example.test", b"250-PIPELINING",
                      b"250 AUTH PLAIN LOGIN XOAUTH2"))]
    bye = [(0, crlf(b"QUIT")), (1, crlf(b"221 2.0.0 Bye"))]
    # an eager client: user and password sent with AUTH LOGIN, before any
    # 334; the server takes them as the answers to its prompts
    session(587, hello + [
        (0, crlf(b"AUTH LOGIN", b64(user), b64(pw))),
        (1, crlf(b"334 VXNlcm5hbWU6", b"334 UGFzc3dvcmQ6",
                 b"235 2.7.0 Authentication successful"))] + bye)
    # the same client; the server refuses AUTH at once and answers each of
    # the client's lines as a command
    session(587, hello + [
        (0, crlf(b"AUTH LOGIN", b64(user), b64(pw))),
        (1, crlf(b"504 5.5.4 Unrecognized authentication type",
                 b"500 5.5.2 Error: command not recognized",
                 b"500 5.5.2 Error: command not recognized"))] + bye)
    # the password sent as a command after the refused AUTH LOGIN
    session(587, hello + [
        (0, crlf(b"AUTH LOGIN")), (1, crlf(b"334 VXNlcm5hbWU6")),
        (0, crlf(b64(user))),
        (1, crlf(b"535 5.7.8 Error: authentication failed")),
        (0, crlf(b64(pw))),
        (1, crlf(b"500 5.5.2 Error: command not recognized"))] + bye)
    # initial responses of mechanisms this analyzer does not decode, and
    # bearer tokens; each refused or accepted
    steps = list(hello)
    for mech in (b"X-GOOGLE-TOKEN", b"XOAUTH", b"PLAIN-CLIENTTOKEN", b"OTP",
                 b"WEBEX-TOKEN"):
        steps += [(0, crlf(b"AUTH " + mech + b" " + b64(b"\0" + user +
                                                      b"\0" + tok))),
                  (1, crlf(b"504 5.5.4 Unrecognized authentication type"))]
    steps += [(0, crlf(b"AUTH GSSAPI " + b64(b"\x60\x82" + tok))),
              (1, crlf(b"334 " + b64(b"\x60\x81server-token"))),
              (0, crlf(b64(b"\x60\x82" + pw))),
              (1, crlf(b"535 5.7.8 Error: authentication failed"))]
    steps += [(0, crlf(b"AUTH XOAUTH2 " + b64(b"user=" + user +
                                              b"\x01auth=Bearer " + tok +
                                              b"\x01\x01"))),
              (1, crlf(b"235 2.7.0 Authentication successful"))]
    session(587, steps + bye)
    # POP3: the password on the USER line, PASS and a tab, APOP, an eager
    # AUTH PLAIN
    session(110, [
        (1, crlf(b"+OK POP3 ready <1896.697170952@mx.example.test>")),
        (0, crlf(b"USER " + user + b" " + pw)),
        (1, crlf(b"-ERR [AUTH] Authentication failed.")),
        (0, crlf(b"USER " + user)), (1, crlf(b"+OK")),
        (0, crlf(b"PASS\t" + pw)),
        (1, crlf(b"-ERR [AUTH] Authentication failed.")),
        (0, crlf(b"APOP " + user + b" c4c9334bac560ecc979e58001b3e22fb")),
        (1, crlf(b"-ERR [AUTH] Authentication failed.")),
        (0, crlf(b"AUTH PLAIN", b64(b"\0" + user + b"\0" + pw))),
        (1, crlf(b"+ ", b"+OK Logged in.")),
        (0, crlf(b"QUIT")), (1, crlf(b"+OK Logging out."))])
    return out.pkts


def tls_record(rtype, body):
    return struct.pack(">BHH", rtype, 0x0303 if rtype != 22 else 0x0301,
                       len(body)) + body


# A ClientHello and a ServerHello as far as the seam looks (record and
# handshake headers, fixed "random" bytes), then application data.
CLIENT_HELLO = tls_record(22, b"\x01\x00\x00\x2b\x03\x03" + bytes(range(32)) +
                          b"\x00\x00\x02\x13\x01\x01\x00")
SERVER_HELLO = tls_record(22, b"\x02\x00\x00\x26\x03\x03" +
                          bytes(range(32, 64)) + b"\x00\x13\x01\x00")
APP_DATA = tls_record(23, bytes(range(64, 96)))


def starttls_sessions(c, s):
    out = Sessions(c, s, 40700)
    session = out.add

    hello = [(1, crlf(b"220 mx.example.test ESMTP")),
             (0, crlf(b"EHLO client.example.test")),
             (1, crlf(b"250-mx.example.test", b"250-PIPELINING",
                      b"250 STARTTLS"))]
    tls = [(0, CLIENT_HELLO), (1, SERVER_HELLO), (0, APP_DATA), (1, APP_DATA)]
    # a clean STARTTLS: nothing to report
    session(25, hello + [(0, crlf(b"STARTTLS")),
                         (1, crlf(b"220 2.0.0 Ready to start TLS"))] + tls)
    # command injection (CVE-2011-0411): commands after STARTTLS in its
    # segment, before the reply
    session(25, hello + [
        (0, crlf(b"STARTTLS", b"RSET", b"MAIL FROM:<evil@example.test>")),
        (1, crlf(b"220 2.0.0 Ready to start TLS"))] + tls)
    # response injection: replies after the 220, before TLS
    session(25, hello + [
        (0, crlf(b"STARTTLS")),
        (1, crlf(b"220 2.0.0 Ready to start TLS", b"250-injected",
                 b"250 AUTH PLAIN"))] + tls)
    # the 220 and the ServerHello in one segment
    session(25, hello + [(0, crlf(b"STARTTLS")),
                         (1, crlf(b"220 2.0.0 go") + SERVER_HELLO),
                         (0, CLIENT_HELLO), (0, APP_DATA), (1, APP_DATA)])
    # no TLS after the 220: a decrypted capture, or a client that never
    # started TLS; decoded as plaintext
    session(25, hello + [(0, crlf(b"STARTTLS")),
                         (1, crlf(b"220 2.0.0 Ready to start TLS")),
                         (0, crlf(b"EHLO client.example.test")),
                         (1, crlf(b"250-mx.example.test",
                                  b"250 AUTH PLAIN LOGIN")),
                         (0, crlf(b"QUIT")), (1, crlf(b"221 2.0.0 Bye"))])
    # POP3: a clean STLS, then STLS with an injected USER
    pop = [(1, crlf(b"+OK Dovecot ready.")), (0, crlf(b"CAPA")),
           (1, crlf(b"+OK", b"STLS", b"USER", b"."))]
    session(110, pop + [(0, crlf(b"STLS")),
                        (1, crlf(b"+OK Begin TLS negotiation now."))] + tls)
    session(110, pop + [(0, crlf(b"STLS", b"USER evil")),
                        (1, crlf(b"+OK Begin TLS negotiation now."))] + tls)
    return out.pkts


def hostile_numbers_sessions(c, s):
    out = Sessions(c, s, 40900)
    env = [(1, crlf(b"220 mx.example.test ESMTP")),
           (0, crlf(b"EHLO client.example.test")),
           (1, crlf(b"250-mx.example.test", b"250-SIZE -1", b"250 PIPELINING")),
           (0, crlf(b"MAIL FROM:<a@example.test> SIZE=18446744073709551617")),
           (1, crlf(b"250 2.1.0 Ok")),
           (0, crlf(b"RCPT TO:<b@example.test>")), (1, crlf(b"250 2.1.5 Ok")),
           (0, crlf(b"DATA")), (1, crlf(b"354 go ahead"))]
    for body in (b"Subject: a\r\n\r\nhi\r.\rMAIL FROM:<x@example.test>\r\n",
                 b"Subject: b\r\n\r\nhi\r\n.\rRCPT TO:<y@example.test>\r\n",
                 b"Subject: c\r\n\r\nhi\r.\r\nDATA\r\n"):
        out.add(25, env + [(0, body + b".\r\n"),
                           (1, crlf(b"250 2.0.0 Ok: queued as CR1")),
                           (0, crlf(b"QUIT")), (1, crlf(b"221 2.0.0 Bye"))])
    out.add(110, [(1, crlf(b"+OK ready")), (0, crlf(b"USER bob")),
                  (1, crlf(b"+OK")), (0, crlf(b"PASS pw")),
                  (1, crlf(b"+OK Logged in.")), (0, crlf(b"STAT")),
                  (1, crlf(b"+OK -1 -1")), (0, crlf(b"LIST")),
                  (1, crlf(b"+OK", b"1 18446744073709551615", b".")),
                  (0, crlf(b"QUIT")), (1, crlf(b"+OK bye"))])
    return out.pkts


def tls_port_sessions(c, s):
    out = Sessions(c, s, 40800)
    session = out.add

    # plaintext SMTP on 465 and POP3 on 995: decoded
    session(465, SHORT_SMTP)
    session(995, [(1, crlf(b"+OK POP3 ready")), (0, crlf(b"CAPA")),
                  (1, crlf(b"+OK", b"USER", b".")), (0, crlf(b"QUIT")),
                  (1, crlf(b"+OK bye"))])
    # a ClientHello first on 25, 110 and 587: TLS from the first byte
    for sport in (25, 110, 587):
        session(sport, [(0, CLIENT_HELLO), (1, SERVER_HELLO), (0, APP_DATA),
                        (1, APP_DATA)])
    # implicit TLS on 465, as it should be
    session(465, [(0, CLIENT_HELLO), (1, SERVER_HELLO), (0, APP_DATA),
                  (1, APP_DATA)])
    return out.pkts


def nul_sessions(c, s):
    smtp = Session(c, s, 40600, 25).dialogue([
        (1, crlf(b"220 mx.example.test ESMTP\x00hidden banner tail")),
        (0, crlf(b"EHLO client\x00.example.test")),
        (1, crlf(b"250-mx.example.test", b"250-SIZE\x001000",
                 b"250 PIPELINING")),
        (0, crlf(b"MAIL FROM:<a\x00b@example.test>")),
        (1, crlf(b"250 2.1.0 Ok\x00after a NUL")),
        (0, crlf(b"NO\x00OP tail\x01\x02")),
        (1, crlf(b"500 5.5.2 Error: bad\x00command")),
        (0, crlf(b"\x00")),
        (1, crlf(b"500 5.5.2 Error: \x1b[31mred\x1b[0m")),
        (0, crlf(b"QUIT")), (1, crlf(b"221 2.0.0 Bye"))])
    smtp.close()
    pop = Session(c, s, 40601, 110, t0=T0 + 1).dialogue([
        (1, crlf(b"+OK ready\x00<1.2@mx.example.test>")),
        (0, crlf(b"USER a\x00b")), (1, crlf(b"+OK\x00fine")),
        (0, crlf(b"CAPA")), (1, crlf(b"+OK", b"USER", b"X-\x00CAP", b".")),
        (0, crlf(b"QUIT")), (1, crlf(b"+OK bye"))])
    pop.close()
    return smtp.pkts + pop.pkts


def greeting_sessions(c, s):
    out = Sessions(c, s, 40400)
    session = out.add

    # SMTP: no greeting at all; the first reply (multi-line) answers EHLO
    session(25, [(0, crlf(b"EHLO client.example.test")),
                 (1, crlf(b"250-mx.example.test", b"250-PIPELINING",
                          b"250 SIZE 10240000")),
                 (0, crlf(b"MAIL FROM:<a@example.test>")),
                 (1, crlf(b"250 2.1.0 Ok")), (0, crlf(b"QUIT")),
                 (1, crlf(b"221 2.0.0 Bye"))])
    # SMTP: the capture begins after the greeting, the EHLO reply in flight
    session(25, [(1, crlf(b"250-mx.example.test", b"250 8BITMIME")),
                 (0, crlf(b"MAIL FROM:<a@example.test>")),
                 (1, crlf(b"250 2.1.0 Ok")), (0, crlf(b"QUIT")),
                 (1, crlf(b"221 2.0.0 Bye"))], handshake=False)
    # SMTP: the client speaks before a multi-line greeting (PIPE_CONNECT)
    session(25, [(0, crlf(b"EHLO client.example.test")),
                 (1, crlf(b"220-mx.example.test ESMTP", b"220 ready") +
                  crlf(b"250-mx.example.test", b"250 PIPELINING")),
                 (0, crlf(b"QUIT")), (1, crlf(b"221 2.0.0 Bye"))])
    # POP3: CAPA before the greeting
    session(110, [(0, crlf(b"CAPA")),
                  (1, crlf(b"+OK POP3 ready <8.9@mx.example.test>")),
                  (1, crlf(b"+OK", b"USER", b"PIPELINING", b"UIDL", b".")),
                  (0, crlf(b"USER bob")), (1, crlf(b"+OK")),
                  (0, crlf(b"QUIT")), (1, crlf(b"+OK bye"))])
    # POP3: no greeting; the +OK begins the CAPA listing
    session(110, [(0, crlf(b"CAPA")),
                  (1, crlf(b"+OK", b"USER", b"PIPELINING", b"UIDL", b".")),
                  (0, crlf(b"USER bob")), (1, crlf(b"+OK")),
                  (0, crlf(b"QUIT")), (1, crlf(b"+OK bye"))])
    # POP3: the capture begins after the greeting
    session(110, [(0, crlf(b"STAT")), (1, crlf(b"+OK 2 320")),
                  (0, crlf(b"LIST")), (1, crlf(b"+OK", b"1 120", b"2 200",
                                                b".")),
                  (0, crlf(b"QUIT")), (1, crlf(b"+OK bye"))],
            handshake=False)
    return out.pkts


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "pcaps"
    edge = os.path.join(out, "edge")
    os.makedirs(edge, exist_ok=True)
    C4, S4, C6, S6 = "192.0.2.10", "192.0.2.25", "2001:db8::10", "2001:db8::25"

    # demo: one SMTP and one POP3 session
    smtp = Session(C4, S4, 40001, 25).dialogue(SMTP_DEMO)
    smtp.close()
    pop = Session(C4, S4, 40002, 110, t0=T0 + 10).dialogue(POP3_DEMO)
    pop.close()
    write(os.path.join(out, "demo.pcap"), ether(smtp.pkts + pop.pkts))

    # RFC 2920 both ways
    for name, pl in (("rfc2920-lockstep", False), ("rfc2920-pipelined", True)):
        s = Session(C4, S4, 40010, 25).dialogue(rfc2920(pl))
        s.close()
        write(os.path.join(edge, name + ".pcap"), ether(s.pkts))

    # VLAN and QinQ
    s = Session(C4, S4, 40020, 25).dialogue(SHORT_SMTP)
    s.close()
    write(os.path.join(edge, "vlan.pcap"), ether(s.pkts, [("q", 100)]))
    write(os.path.join(edge, "qinq.pcap"),
          ether(s.pkts, [("ad", 200), ("q", 300)]))

    # IPv6, and SLL2 (what `tcpdump -i any` writes)
    s6 = Session(C6, S6, 40030, 587, v6=True).dialogue(SHORT_SMTP)
    s6.close()
    write(os.path.join(edge, "ipv6.pcap"), ether(s6.pkts))
    sll = []
    for p in s6.pkts:
        f = CookedLinuxV2(proto=0x86dd, ifindex=1, pkttype=0) / p
        f.time = p.time
        sll.append(f)
    write(os.path.join(edge, "sll2-ipv6.pcap"), sll)

    # BSD NULL/loopback and raw IP
    s = Session("127.0.0.1", "127.0.0.1", 40040, 25).dialogue(SHORT_SMTP)
    s.close()
    # BSD NULL (DLT 0): a 4-byte address family in the capturing host's
    # byte order (here little-endian, AF_INET = 2), as macOS writes on lo0
    with open(os.path.join(edge, "null-loopback.pcap"), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 0))
        for p in s.pkts:
            frame = struct.pack("<I", 2) + bytes(p)
            sec = int(p.time)
            usec = int(round((p.time - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)
    write(os.path.join(edge, "raw-ip.pcap"), s.pkts, linktype=101)

    # midstream: the capture starts after the handshake and the greeting
    s = Session(C4, S4, 40050, 25, handshake=False).dialogue(SHORT_SMTP[3:])
    s.close()
    write(os.path.join(edge, "midstream.pcap"), ether(s.pkts))

    # a lost client segment in the middle of the session
    s = Session(C4, S4, 40060, 25).dialogue(SHORT_SMTP[:5])
    lost_cmd = crlf(b"RCPT TO:<lost@example.org>")
    s.seq[0] += len(lost_cmd)  # never captured
    s.dialogue([(1, crlf(b"250 2.1.5 Ok"))] + SHORT_SMTP[5:])
    s.close()
    write(os.path.join(edge, "lost-segment.pcap"), ether(s.pkts))

    # out of order, retransmitted and conflicting overlapping segments
    s = Session(C4, S4, 40070, 25).dialogue(SHORT_SMTP[:3])
    data = crlf(b"MAIL FROM:<a@example.test>", b"RCPT TO:<b@example.org>")
    base = s.seq[0]
    s._add(0, "PA", data[20:], seq=base + 20)      # second half first
    s._add(0, "PA", data[20:30] + b"X" * 5, seq=base + 20)  # conflicting copy
    s._add(0, "PA", data[:20], seq=base)           # first half
    s._add(0, "PA", data[:20], seq=base)           # retransmission
    s.seq[0] += len(data)
    s._add(1, "A", b"")
    s.dialogue([(1, crlf(b"250 2.1.0 Ok", b"250 2.1.5 Ok"))] + SHORT_SMTP[7:])
    s.close()
    write(os.path.join(edge, "reorder-retransmit-overlap.pcap"), ether(s.pkts))

    # IPv4 fragments carrying the DATA body
    s = Session(C4, S4, 40080, 25).dialogue(SHORT_SMTP[:9])
    body = crlf(b"Subject: fragmented", b"", b"x" * 2000, b".")
    p = s._add(0, "PA", body)
    s.seq[0] += len(body)
    frags = fragment(p, fragsize=600)
    for f in frags:
        f.time = p.time
    s.pkts[-1:] = list(reversed(frags))  # and out of order
    s._add(1, "A", b"")
    s.dialogue(SHORT_SMTP[10:])
    s.close()
    write(os.path.join(edge, "ipv4-fragments.pcap"), ether(s.pkts))

    # IPv6 fragments carrying the DATA body (RFC 8200 Fragment header)
    s = Session(C6, S6, 40081, 25, v6=True).dialogue(SHORT_SMTP[:9])
    body = crlf(b"Subject: fragmented over IPv6", b"", b"y" * 2000, b".")
    p = s._add(0, "PA", body)
    s.seq[0] += len(body)
    p6 = IPv6(bytes(p[IPv6].copy()))
    p6 = IPv6(src=p6.src, dst=p6.dst) / IPv6ExtHdrFragment(id=0x5eed) / p6.payload
    frags = fragment6(p6, 700)
    for f in frags:
        f.time = p.time
    s.pkts[-1:] = [frags[1], frags[0]] + frags[2:]  # out of order
    s._add(1, "A", b"")
    s.dialogue(SHORT_SMTP[10:])
    s.close()
    write(os.path.join(edge, "ipv6-fragments.pcap"), ether(s.pkts))

    # SMTP on a port that is not a mail port: found by its greeting
    s = Session(C4, S4, 40090, 2626).dialogue(SHORT_SMTP)
    s.close()
    write(os.path.join(edge, "odd-port.pcap"), ether(s.pkts))

    # pcapng and a truncated file
    w = PcapNgWriter(os.path.join(edge, "demo.pcapng"))
    for f in ether(smtp.pkts):
        w.write(f)
    w.close()
    with open(os.path.join(out, "demo.pcap"), "rb") as f:
        whole = f.read()
    with open(os.path.join(edge, "truncated.pcap"), "wb") as f:
        f.write(whole[:len(whole) * 2 // 3 + 7])

    # BDAT (RFC 3030), pipelined, with binary and a chunk holding CRLF.CRLF
    chunk1 = b"Subject: chunked\r\n\r\nfirst chunk\r\n.\r\nstill data\x00\xff"
    chunk2 = b"\r\nlast chunk\r\n"
    bdat = [
        (1, crlf(b"220 mx.example.test ESMTP")),
        (0, crlf(b"EHLO c.example.test")),
        (1, crlf(b"250-mx.example.test", b"250-PIPELINING", b"250 CHUNKING")),
        (0, crlf(b"MAIL FROM:<a@example.test> BODY=BINARYMIME",
                 b"RCPT TO:<b@example.org>", b"BDAT %d" % len(chunk1)) +
         chunk1 + crlf(b"BDAT %d LAST" % len(chunk2)) + chunk2),
        (1, crlf(b"250 2.1.0 Ok", b"250 2.1.5 Ok",
                 b"250 2.0.0 %d octets received" % len(chunk1),
                 b"250 2.0.0 Ok: queued as BDAT1")),
        (0, crlf(b"MAIL FROM:<a@example.test>", b"RCPT TO:<b@example.org>",
                 b"BDAT 0 LAST")),
        (1, crlf(b"250 2.1.0 Ok", b"250 2.1.5 Ok",
                 b"250 2.0.0 Ok: queued as BDAT2")),
        (0, crlf(b"QUIT")), (1, crlf(b"221 Bye"))]
    s = Session(C4, S4, 40100, 25).dialogue(bdat)
    s.close()
    write(os.path.join(edge, "bdat.pcap"), ether(s.pkts))

    # POP3 pipelined, responses split at odd bytes
    p3 = [(1, crlf(b"+OK ready")),
          (0, crlf(b"CAPA")), (1, crlf(b"+OK", b"PIPELINING", b"UIDL", b".")),
          (0, crlf(b"USER bob", b"PASS pw")), (1, crlf(b"+OK", b"+OK in")),
          (0, crlf(b"STAT", b"LIST 1", b"RETR 1", b"DELE 1", b"QUIT"))]
    s = Session(C4, S4, 40110, 110).dialogue(p3)
    resp = crlf(b"+OK 1 %d" % RETR_SIZE, b"+OK 1 %d" % RETR_SIZE,
                b"+OK") + RETR_MSG + crlf(b".", b"+OK deleted", b"+OK bye")
    s.send(1, resp, sizes=[1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 400])
    s.close()
    write(os.path.join(edge, "pop3-pipelined-split.pcap"), ether(s.pkts))

    # hostile: terminal escapes, NUL, bidi, a very long line, garbage, bad
    # base64 in AUTH
    hostile = [
        (1, crlf(b"220 evil.example ESMTP \x1b[2J\x1b]0;pwned\x07")),
        (0, crlf(b"EHLO \xe2\x80\xaeevil\x00name")),
        (1, crlf(b"250-evil.example", b"250 AUTH PLAIN")),
        (0, crlf(b"AUTH PLAIN !!!notbase64!!!")),
        (1, crlf(b"535 5.7.8 Authentication failed")),
        (0, crlf(b"AUTH PLAIN AGFsaWNlAHMzY3JldA==")),
        (1, crlf(b"235 2.7.0 ok")),
        (0, crlf(b"X" * 100000)),
        (1, crlf(b"500 5.5.2 line too long")),
        (0, bytes(range(256)) + b"\r\n"),
        (1, crlf(b"500 what")),
        (0, crlf(b"QUIT")), (1, crlf(b"221 bye"))]
    s = Session(C4, S4, 40120, 25).dialogue(hostile)
    s.close()
    write(os.path.join(edge, "hostile.pcap"), ether(s.pkts))

    # AUTH mechanisms beyond the common ones: DIGEST-MD5 refused, then NTLM
    # (Exchange style, initial NEGOTIATE) accepted over SMTP; NTLM over
    # POP3 AUTH without an initial response.
    ntlm1 = b"TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAA="
    ntlm2 = (b"TlRMTVNTUAACAAAADAAMADgAAAAFgomiASNFZ4mrze8AAAAAAAAAAAAAAAA4AAAA"
             b"CgBjRQAAAA9EAE8ATQBBAEkATgA=")
    ntlm3 = (b"TlRMTVNTUAADAAAAGAAYAGgAAAAwADAAgAAAAAwADABIAAAADAAMAFQAAAAIAAgA"
             b"YAAAAAAAAACwAAAABYKIogoAY0UAAAAPRABPAE0AQQBJAE4AagD8AHIAZwBlAG4A"
             b"VwBTADAAMQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQIDBAUGBwgJCgsMDQ4P"
             b"EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=")
    digest_chal = _b64.b64encode(
        b'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",'
        b'algorithm=md5-sess,charset=utf-8')
    digest_resp = _b64.b64encode(
        b'charset=utf-8,username="chris",realm="elwood.innosoft.com",'
        b'nonce="OA6MG9tEQGm2hh",nc=00000001,cnonce="OA6MHXh6VqTrRk",'
        b'digest-uri="smtp/elwood.innosoft.com",'
        b'response=d388dad90d4bbd760a152321f2143af7,qop=auth')
    mechs = [
        (1, crlf(b"220 exch.example.test Microsoft ESMTP MAIL Service ready")),
        (0, crlf(b"EHLO WS01")),
        (1, crlf(b"250-exch.example.test Hello [192.0.2.10]",
                 b"250-AUTH GSSAPI NTLM DIGEST-MD5", b"250 OK")),
        (0, crlf(b"AUTH DIGEST-MD5")),
        (1, crlf(b"334 " + digest_chal)),
        (0, crlf(digest_resp)),
        (1, crlf(b"535 5.7.3 Authentication unsuccessful")),
        (0, crlf(b"AUTH NTLM " + ntlm1)),
        (1, crlf(b"334 " + ntlm2)),
        (0, crlf(ntlm3)),
        (1, crlf(b"235 2.7.0 Authentication successful")),
        (0, crlf(b"QUIT")), (1, crlf(b"221 2.0.0 Service closing"))]
    s = Session(C4, S4, 40130, 587).dialogue(mechs)
    s.close()
    pop_ntlm = [
        (1, crlf(b"+OK The Microsoft Exchange POP3 service is ready.")),
        (0, crlf(b"AUTH NTLM")), (1, crlf(b"+ ")),
        (0, crlf(ntlm1)), (1, crlf(b"+ " + ntlm2)),
        (0, crlf(ntlm3)), (1, crlf(b"+OK User successfully authenticated.")),
        (0, crlf(b"QUIT")), (1, crlf(b"+OK Microsoft Exchange Server POP3 "
                                     b"server signing off."))]
    p = Session(C4, S4, 40131, 110).dialogue(pop_ntlm)
    p.close()
    write(os.path.join(edge, "auth-ntlm-digest.pcap"), ether(s.pkts + p.pkts))

    # pcapng with two interfaces of different link types (Ethernet with
    # nanosecond timestamps, raw IP with a time offset), a big-endian
    # second section, and blocks a reader must skip: libpcap refuses it.
    def block(btype, body, be=False):
        body += b"\0" * (-len(body) % 4)
        fmt = ">II" if be else "<II"
        n = len(body) + 12
        return struct.pack(fmt, btype, n) + body + struct.pack(fmt[0] + "I", n)

    def shb(be=False):
        e = ">" if be else "<"
        return block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1),
                     be)

    def idb(linktype, opts=b"", be=False):
        e = ">" if be else "<"
        return block(1, struct.pack(e + "HHI", linktype, 0, 0) + opts +
                     struct.pack(e + "HH", 0, 0), be)

    def epb(iface, ts_units, data, be=False):
        e = ">" if be else "<"
        return block(6, struct.pack(e + "IIIII", iface, ts_units >> 32,
                                    ts_units & 0xffffffff, len(data),
                                    len(data)) + data, be)

    tsresol_ns = struct.pack("<HHB3x", 9, 1, 9)
    tsoffset = struct.pack("<HHq", 14, 8, 3600)
    s1 = Session(C4, S4, 40140, 25).dialogue(SHORT_SMTP)
    s1.close()
    s2 = Session(C4, S4, 40141, 25).dialogue(SHORT_SMTP)
    s2.close()
    out_ng = shb() + idb(1, tsresol_ns) + idb(101, tsoffset)
    out_ng += block(0x0BAD, b"a custom block to skip")
    for f in ether(s1.pkts):
        out_ng += epb(0, int(round(float(f.time) * 1e9)), bytes(f))
    for p in s2.pkts:
        out_ng += epb(1, int(round((float(p.time) - 3600) * 1e6)), bytes(p))
    s3 = Session(C4, S4, 40142, 25).dialogue(SHORT_SMTP)
    s3.close()
    out_ng += shb(be=True) + idb(1, be=True)
    for f in ether(s3.pkts):
        out_ng += epb(0, int(round(float(f.time) * 1e6)), bytes(f), be=True)
    with open(os.path.join(edge, "pcapng-mixed-linktypes.pcapng"), "wb") as f:
        f.write(out_ng)

    # tunnels, one session in each
    write_raw(os.path.join(edge, "tunnels.pcap"), 1,
              tunnel_sessions(C4, S4, C6, S6))

    # a real postfix session captured with a 120-byte snaplen: the tails of
    # long reply and body packets are missing
    cut_to_snaplen(os.path.join(out, "real", "smtp-plain.pcap"),
                   os.path.join(edge, "snaplen-120.pcap"), 120)

    # more link types: one pcapng interface each, one session on each
    out_ng = shb()
    for name, lt in LINK_TYPES:
        out_ng += idb(lt)
    for i, (name, lt) in enumerate(LINK_TYPES):
        s = Session(C4, S4, 40300 + i, 25, t0=T0 + i).dialogue(SHORT_SMTP)
        s.close()
        for p in s.pkts:
            frame = link_type_frames(name, bytes(p), p.src == C4)
            out_ng += epb(i, int(round(float(p.time) * 1e6)), frame)
    with open(os.path.join(edge, "linktypes-more.pcapng"), "wb") as f:
        f.write(out_ng)

    # fail-safe redaction (issue 14): eager and refused SASL, a password
    # sent as a command after a refused AUTH LOGIN, initial responses of
    # mechanisms known and unknown, POP3 client mistakes
    write(os.path.join(edge, "auth-fail-safe.pcap"),
          ether(auth_fail_safe_sessions(C4, S4)))

    # where TLS begins (issue 14): a clean STARTTLS/STLS, command and
    # response injection, the 220 and the ServerHello in one segment,
    # plaintext after the 220; implicit TLS found by the bytes, not the port
    write(os.path.join(edge, "starttls-seam.pcap"),
          ether(starttls_sessions(C4, S4)))
    write(os.path.join(edge, "tls-by-bytes.pcap"),
          ether(tls_port_sessions(C4, S4)))

    # hostile input (issue 20): SMTP smuggling with bare CR around the end
    # of data, counts and sizes out of range
    write(os.path.join(edge, "bare-cr-numbers.pcap"),
          ether(hostile_numbers_sessions(C4, S4)))

    # NUL and other control bytes inside commands and replies: JSON keeps
    # what the transcript shows (issue 14)
    write(os.path.join(edge, "nul-bytes.pcap"), ether(nul_sessions(C4, S4)))

    # the greeting decided by timing and reply shape (issue 14): a server
    # that never greets, a capture begun after the greeting, clients that
    # speak first (SMTP with a multi-line greeting, POP3 CAPA and USER)
    write(os.path.join(edge, "greeting-shapes.pcap"),
          ether(greeting_sessions(C4, S4)))


if __name__ == "__main__":
    main()
