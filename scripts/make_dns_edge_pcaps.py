#!/usr/bin/python3
"""make_dns_edge_pcaps.py OUTDIR - hand-made captures of DNS answers that no
real resolver sends, next to the SMTP sessions they would route (issue 19):

  dns-hostile.pcap   UDP responses with a compression loop, a forward
                     pointer, a 40-hop pointer chain, a 320-octet name, a
                     response cut inside its second MX record, an A record
                     of five bytes; then a good answer, carried over DNS
                     over TCP in two segments, the second sent first; and
                     SMTP sessions to the domains they speak of
  dns-ipv6-ptr.pcap  an AAAA answer through a CNAME and an ip6.arpa PTR
                     lookup over IPv6, with an SMTP session over IPv6 whose
                     HELO matches the PTR and one whose MX answer is a null MX

Deterministic (fixed addresses, ports, ids and times).  Needs Debian's
python3-scapy; reuses the TCP session builder of make_edge_pcaps.py.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_edge_pcaps import Session, crlf, ether, write  # noqa: E402
from scapy.all import IP, UDP, IPv6, Raw  # noqa: E402

T0 = 1763900000.0  # 2025-11-23T12:13:20Z
RESOLVER, CLIENT = "192.0.2.53", "192.0.2.10"


def name(n):
    out = b""
    for label in n.split(".") if n else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid, an, ns=0, ar=0, rcode=0, qd=1, qr=True):
    flags = (0x8180 | rcode) if qr else 0x0100
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def question(qname, qtype):
    return name(qname) + struct.pack(">HH", qtype, 1)


def rr(owner, rtype, rdata, ttl=300):
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def mx(pref, host):
    return struct.pack(">H", pref) + host


def a(addr):
    return bytes(int(x) for x in addr.split("."))


class Clock:
    def __init__(self, t):
        self.t = t

    def next(self, step=0.01):
        self.t += step
        return self.t


def udp(clock, payload, qid_port, v6=False, resolver=RESOLVER, client=CLIENT):
    """A query-less response from the resolver (port 53) to the client."""
    ip = IPv6(src=resolver, dst=client) if v6 else IP(src=resolver, dst=client)
    p = ip / UDP(sport=53, dport=qid_port) / Raw(load=payload)
    p.time = clock.next()
    return p


def smtp(clock, client, server, cport, helo, rcpt, v6=False):
    s = Session(client, server, cport, 25, v6=v6, t0=clock.next(0.5))
    s.dialogue([
        (1, crlf(b"220 mx.example ESMTP")),
        (0, crlf(b"EHLO " + helo)),
        (1, crlf(b"250 mx.example")),
        (0, crlf(b"MAIL FROM:<a@sender.test>")),
        (1, crlf(b"250 2.1.0 Ok")),
        (0, crlf(b"RCPT TO:<" + rcpt + b">")),
        (1, crlf(b"250 2.1.5 Ok")),
        (0, crlf(b"QUIT")),
        (1, crlf(b"221 2.0.0 Bye")),
    ]).close()
    clock.t = s.t
    return s.pkts


def hostile(out):
    c = Clock(T0)
    pk = []
    hdr_q = question("loop.test", 15)
    # 1. MX exchange "mx" + a pointer to itself's label: a loop
    off = 12 + len(hdr_q) + 2 + 10 + 2  # where "mx" begins in the RDATA
    loop = mx(10, b"\x02mx" + struct.pack(">H", 0xc000 | off))
    pk.append(udp(c, header(1, 1) + hdr_q + rr(b"\xc0\x0c", 15, loop), 40001))
    # 2. a forward pointer (to the A record after it)
    fq = question("fwd.test", 15)
    ahead = struct.pack(">H", 0xc000 | (12 + len(fq) + 16))  # the next owner
    fwd = header(2, 2) + fq + rr(b"\xc0\x0c", 15, mx(10, ahead)) + \
        rr(name("mx.fwd.test"), 1, a("192.0.2.99"))
    pk.append(udp(c, fwd, 40002))
    # 3. a chain of 40 pointers, each to the one before
    cq = question("chain.test", 1)
    chain = header(3, 2) + cq
    base = len(chain) + len(name("pad.chain.test")) + 10
    body, prev = b"\x01a\x00", base
    for i in range(40):
        here = base + len(body)
        body += b"\x01b" + struct.pack(">H", 0xc000 | prev)
        prev = here
    chain += rr(name("pad.chain.test"), 16, body)
    chain += rr(struct.pack(">H", 0xc000 | prev), 1, a("192.0.2.98"))
    pk.append(udp(c, chain, 40003))
    # 4. a name of 320 octets
    big = b"".join(b"\x3f" + b"x" * 63 for _ in range(5)) + b"\0"
    pk.append(udp(c, header(4, 1) + question("big.test", 15) +
                  rr(b"\xc0\x0c", 15, mx(10, big)), 40004))
    # 5. cut inside the second MX: the first one is kept
    cut = header(5, 2) + question("cut.test", 15) + \
        rr(b"\xc0\x0c", 15, mx(10, name("mx1.cut.test"))) + \
        rr(b"\xc0\x0c", 15, mx(20, name("mx2.cut.test")))
    pk.append(udp(c, cut[:-9], 40005))
    pk.append(udp(c, header(6, 1) + question("mx1.cut.test", 1) +
                  rr(b"\xc0\x0c", 1, a("192.0.2.31")), 40006))
    # 6. an A record of five bytes
    pk.append(udp(c, header(7, 1) + question("odd.test", 1) +
                  rr(b"\xc0\x0c", 1, a("192.0.2.32") + b"\0"), 40007))
    # 7. DNS over TCP: MX of tcp.test and its A, in two segments sent
    # in the wrong order
    tq = question("tcp.test", 15)
    msg = header(8, 1, ar=1) + tq + \
        rr(b"\xc0\x0c", 15, mx(10, name("mx.tcp.test"))) + \
        rr(name("mx.tcp.test"), 1, a("192.0.2.25"))
    s = Session(CLIENT, RESOLVER, 40100, 53, t0=c.next())
    q = header(8, 0, qr=False) + tq
    s.send(0, struct.pack(">H", len(q)) + q)
    framed = struct.pack(">H", len(msg)) + msg
    first, second = framed[:20], framed[20:]
    seq = s.seq[1]
    s._add(1, "PA", second, seq=seq + len(first))
    s._add(1, "PA", first, seq=seq)
    s.seq[1] += len(framed)
    s._add(0, "A", b"")
    s.close()
    c.t = s.t
    pk += s.pkts
    # the sessions those answers would route
    pk += smtp(c, CLIENT, "192.0.2.31", 41001, b"client.test", b"u@cut.test")
    pk += smtp(c, CLIENT, "192.0.2.25", 41002, b"client.test", b"u@tcp.test")
    pk += smtp(c, CLIENT, "192.0.2.77", 41003, b"client.test", b"u@tcp.test")
    pk += smtp(c, CLIENT, "192.0.2.99", 41004, b"client.test", b"u@loop.test")
    write(os.path.join(out, "dns-hostile.pcap"), ether(pk))


def ipv6_ptr(out):
    c = Clock(T0 + 3600)
    res6, cli6, srv6 = "2001:db8::53", "2001:db8::10", "2001:db8::25"
    q = question("v6.test", 15)
    msg = header(21, 3) + q + \
        rr(b"\xc0\x0c", 15, mx(10, name("mail.v6.test"))) + \
        rr(name("mail.v6.test"), 5, name("host.v6.test")) + \
        rr(name("host.v6.test"), 28,
           bytes.fromhex("20010db8000000000000000000000025"))
    pk = [udp(c, msg, 40201, v6=True, resolver=res6, client=cli6)]
    rev = ".".join(reversed("20010db8000000000000000000000010")) + ".ip6.arpa"
    pk.append(udp(c, header(22, 1) + question(rev, 12) +
                  rr(b"\xc0\x0c", 12, name("client.v6.test")), 40202, v6=True,
                  resolver=res6, client=srv6))
    nq = question("nomail.test", 15)
    pk.append(udp(c, header(23, 1) + nq + rr(b"\xc0\x0c", 15, mx(0, b"\0")),
                  40203, v6=True, resolver=res6, client=cli6))
    pk += smtp(c, cli6, srv6, 41101, b"client.v6.test", b"u@v6.test", v6=True)
    pk += smtp(c, cli6, srv6, 41102, b"client.v6.test", b"u@nomail.test",
               v6=True)
    write(os.path.join(out, "dns-ipv6-ptr.pcap"), ether(pk))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "pcaps/edge"
    os.makedirs(out, exist_ok=True)
    hostile(out)
    ipv6_ptr(out)


if __name__ == "__main__":
    main()
