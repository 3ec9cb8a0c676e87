#!/usr/bin/python3
"""extra_seeds.py OUTDIR - capture seeds for fuzz_capture that reach code
the test captures do not: IPv6 fragments behind Hop-by-Hop, Routing and
Destination Options headers; IPv4 fragments duplicated, overlapping, never
completed and too many at once; a pcapng file with Simple and obsolete
Packet blocks, a power-of-two if_tsresol and an if_tsoffset, big-endian.
Each holds a short SMTP dialogue so the fuzzer starts from a session.
Deterministic; needs Debian's python3-scapy.
"""
import os
import struct
import sys

from scapy.all import (IP, TCP, Ether, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, fragment, fragment6, wrpcap)

T0 = 1763800000.0
ETH = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
DIALOGUE = [
    (1, b"220 mx.example.test ESMTP\r\n"),
    (0, b"EHLO c.example.test\r\n"),
    (1, b"250 mx.example.test\r\n"),
    (0, b"MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"),
    (1, b"250 ok\r\n250 ok\r\n354 go\r\n"),
    (0, b"Subject: frag\r\n\r\n" + b"z" * 1500 + b"\r\n.\r\n"),
    (1, b"250 queued as 7\r\n"),
    (0, b"QUIT\r\n"),
    (1, b"221 bye\r\n"),
]


def segments(ip_of, cport=40000, sport=25):
    """The dialogue as TCP segments (handshake included), in order."""
    seq = {0: 1000, 1: 5000}
    out = []

    def seg(d, flags, data=b""):
        sp, dp = (cport, sport) if d == 0 else (sport, cport)
        p = ip_of(d) / TCP(sport=sp, dport=dp, flags=flags, seq=seq[d],
                           ack=seq[1 - d], window=65535)
        if data:
            p = p / Raw(load=data)
        seq[d] += len(data) + (1 if "S" in flags or "F" in flags else 0)
        out.append(p)

    seq[0] -= 1
    seq[1] -= 1
    seg(0, "S")
    seg(1, "SA")
    seg(0, "A")
    for d, data in DIALOGUE:
        seg(d, "PA", data)
    seg(0, "FA")
    seg(1, "FA")
    return out


def stamp(pkts, gap_after=None):
    """Times 1 ms apart; after packet gap_after, 40 s later (fragments
    still pending then have timed out)."""
    t = T0
    for i, p in enumerate(pkts):
        p.time = t
        t += 40.0 if i == gap_after else 0.001
    return pkts


def ipv6_extension_fragments(path):
    def ip6(d):
        src, dst = ("2001:db8::1", "2001:db8::25")[::1 if d == 0 else -1]
        return (IPv6(src=src, dst=dst) / IPv6ExtHdrHopByHop() /
                IPv6ExtHdrRouting() / IPv6ExtHdrDestOpt())
    pkts = []
    for p in segments(ip6):
        if len(p) > 900:
            frag = p.copy()
            # the Fragment header goes after the unfragmentable part
            frag[IPv6ExtHdrDestOpt].remove_payload()
            frag = frag / IPv6ExtHdrFragment() / p[TCP]
            parts = fragment6(frag, 600)
            pkts += [ETH / f for f in reversed(parts)]
        else:
            pkts.append(ETH / p)
    wrpcap(path, stamp(pkts))


def ipv4_fragment_trouble(path):
    def ip4(d):
        src, dst = ("192.0.2.10", "192.0.2.25")[::1 if d == 0 else -1]
        return IP(src=src, dst=dst)
    pkts, gap = [], None
    for p in segments(ip4):
        if len(p) > 900:
            parts = fragment(p, fragsize=400)
            pkts += [ETH / parts[1], ETH / parts[0]]  # out of order
            pkts.append(ETH / parts[1])                    # duplicate
            over = parts[1].copy()                             # overlapping
            over.frag -= 10
            pkts.append(ETH / over)
            pkts += [ETH / f for f in parts[2:]]
            # first pieces of datagrams never completed, more than the
            # reassembly keeps at once (1024), each of 8 bytes
            for k in range(1030):
                pkts.append(ETH / IP(src="198.51.100.%d" % (k % 250 + 1),
                                     dst="192.0.2.25", id=k + 1, flags="MF",
                                     proto=6) / Raw(load=b"w" * 8))
            # one datagram in more pieces than a datagram may have (128)
            for k in range(140):
                pkts.append(ETH / IP(src="198.51.100.7", dst="192.0.2.25",
                                     id=9999, flags="MF", frag=k,
                                     proto=6) / Raw(load=b"v" * 8))
            # 40 s later one more: every pending datagram has timed out
            gap = len(pkts) - 1
            pkts.append(ETH / IP(src="198.51.100.8", dst="192.0.2.25",
                                 id=7777, flags="MF", proto=6) /
                        Raw(load=b"u" * 8))
        else:
            pkts.append(ETH / p)
    wrpcap(path, stamp(pkts, gap))


def pcapng_old_blocks(path):
    """Big-endian pcapng: SHB, IDB (Ethernet, 2^-10 s, +3600 s), the
    dialogue in obsolete Packet blocks (type 2) and Simple Packet blocks
    (type 3, interface 0, last time) in turn."""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack(">II", btype, n) + body + struct.pack(">I", n)

    out = block(0x0A0D0D0A, struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = (struct.pack(">HHB3x", 9, 1, 0x80 | 10) +
            struct.pack(">HHq", 14, 8, 3600) + struct.pack(">HH", 0, 0))
    out += block(1, struct.pack(">HHI", 1, 0, 65535) + opts)
    for i, p in enumerate(segments(lambda d: IP(
            src=("192.0.2.10", "192.0.2.25")[d],
            dst=("192.0.2.25", "192.0.2.10")[d]))):
        data = bytes(ETH / p)
        if i % 2:
            out += block(3, struct.pack(">I", len(data)) + data)
        else:
            ts = int((T0 + i) * 1024)
            out += block(2, struct.pack(">HHIIII", 0, 0, ts >> 32,
                                        ts & 0xffffffff, len(data),
                                        len(data)) + data)
    with open(path, "wb") as f:
        f.write(out)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ipv6_extension_fragments(os.path.join(out, "extra-ipv6-ext-frag.pcap"))
    ipv4_fragment_trouble(os.path.join(out, "extra-ipv4-frag-trouble.pcap"))
    pcapng_old_blocks(os.path.join(out, "extra-pcapng-old-blocks.pcapng"))


if __name__ == "__main__":
    main()
