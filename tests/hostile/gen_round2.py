#!/usr/bin/python3
"""gen_round2.py - the hostile captures of issue 20 (keyed hashing, the one
memory bound, evasions named, numbers), for gen.py, which lists and writes
them with its own (`gen.py --list`).

Same rules as gen.py: everything derived from the case name, expected values
computed here, packets written with struct.  Facts beyond gen.py's:

  max_seconds    wall time the run must stay under (complexity attacks;
                 generous: the quadratic behaviour they catch is 10-100x)
  refused        a substring of the one stderr line of a capture mailscope
                 must refuse (exit 2, nothing decoded); accept_args: options
                 with which the same capture is read after all
  max_memory_mib the --max-memory of the run: the peak RSS bound is then
                 the base plus it (check.py)
  max_line_bytes no NDJSON line longer
  repeat         a second run must write the same bytes (the table's hash
                 key differs every run)
  stdin          also read from standard input (libpcap's own reader)
  ts_prefix      the good session's "ts" starts with it
  sessions[port].absent   anomalies that must not be there
"""
import lzma
import random
import struct
import zlib

from gen import (ACK, ETH, FIN, PSH, RST, SYN, T0, Conn, Trace, crlf,
                 dot_stuff, frame, good_smtp, ipv4, smtp_with_message,
                 b64_lines)
import base64
import hashlib

CASES = {}


def case(fn):
    CASES[fn.__name__.replace("_", "-")] = fn
    return fn


# ---- keyed hashing ------------------------------------------------------------

M64 = (1 << 64) - 1
C1, C2 = 0xbf58476d1ce4e5b9, 0x94d049bb133111eb


def mix64(x):
    x ^= x >> 30
    x = x * C1 & M64
    x ^= x >> 27
    x = x * C2 & M64
    return x ^ (x >> 31)


def unshift(y, s):
    x = y
    for _ in range(64 // s + 1):
        x = y ^ (x >> s)
    return x


def unmix64(y):
    y = unshift(y, 31)
    y = y * pow(C2, -1, 1 << 64) & M64
    y = unshift(y, 27)
    y = y * pow(C1, -1, 1 << 64) & M64
    return unshift(y, 30)


def old_endpoint_key(addr, port):
    """mailscope's table hash before issue 20 (flowhash.c endpoint_key)."""
    a = int.from_bytes(addr[:8], "little")
    b = int.from_bytes(addr[8:], "little")
    return mix64(a ^ mix64(b ^ (port << 48 | port)))


def frame6(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, 0x50, flags, 65535, 0, 0)
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(tcp) + len(payload), 6,
                     64, src, dst)
    return ETH[:12] + b"\x86\xdd" + ip + tcp + payload


@case
def hash_flood(name):
    """60,000 SYNs from IPv6 clients chosen offline so that the table's old,
    unkeyed hash gives all of them one value (so one bucket): the endpoint
    hash is a bijection of the address's first 8 bytes, so it is inverted
    for each client.  With the keyed hash they spread; the run is linear."""
    t = Trace()
    n = 60000
    server = bytes.fromhex("20010db8000000000000000000000025")
    target = 0x5eed5eed5eed5eed
    inv = unmix64(target)
    for i in range(n):
        b = (i + 1).to_bytes(8, "little")
        port = 1024 + i % 60000
        a = inv ^ mix64(int.from_bytes(b, "little") ^ (port << 48 | port))
        src = a.to_bytes(8, "little") + b
        assert old_endpoint_key(src, port) == target
        t.add(T0 * 10**6 + i * 20, frame6(src, server, port, 25, i * 7919, 0,
                                          SYN))
    good = good_smtp(t, name, T0 * 10**6 + 30000 * 20, 20)
    return t, {"good": good, "max_seconds": 8, "repeat": True,
               "workers": True, "mem": {"empty": n, "data": 1, "busy": 1}}


@case
def ooo_duplicates(name):
    """4,000 one-command segments queued out of order behind a one-segment
    hole, then 200,000 copies of the one just before the tail of the queue
    (each cost a walk of the queue before issue 20), then the hole filled."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 30000)
    c = Conn(t, 40200, 25, T0 * 10**6, 1).handshake()
    c.send(1, crlf(b"220 ooo.example ESMTP"))
    c.send(0, crlf(b"EHLO c"))
    c.send(1, crlf(b"250-ooo.example", b"250 PIPELINING"))
    cmd = b"NOOP\r\n"
    base = c.seq[0]
    n, dups = 4000, 200000
    for i in range(1, n):
        c.pkt(0, PSH | ACK, cmd, seq=base + i * len(cmd))
    for _ in range(dups):
        c.pkt(0, PSH | ACK, cmd, seq=base + (n - 10) * len(cmd))
    c.pkt(0, PSH | ACK, cmd, seq=base)
    c.seq[0] = base + n * len(cmd)
    c.send(1, crlf(*[b"250 ok"] * n))
    c.close()
    return t, {"good": good, "max_seconds": 6,
               "sessions": {"40200": {"commands": n + 1,
                                      "absent": ["tcp_gap",
                                                 "tcp_overlap_mismatch"]}},
               "mem": {"commands": 2 * n}}


# ---- the memory bound ----------------------------------------------------------

def good_pcap_bytes(name):
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6, 1000)
    return t.pcap_bytes()[0], good


def crc32(b):
    return struct.pack("<I", zlib.crc32(b) & 0xffffffff)


@case
def xz_dictionary(name):
    """An xz capture whose LZMA2 block header asks for a 1.5 GiB dictionary
    (the data itself was packed with 1 MiB): refused under the default
    --max-memory, read with a larger one."""
    data, good = good_pcap_bytes(name)
    xz = bytearray(lzma.compress(data, format=lzma.FORMAT_XZ,
                                 check=lzma.CHECK_CRC32,
                                 filters=[{"id": lzma.FILTER_LZMA2,
                                           "dict_size": 1 << 20}]))
    hdr = 12  # the stream header; then the block header
    size = (xz[hdr] + 1) * 4
    assert xz[hdr + 2] == 0x21 and xz[hdr + 3] == 1  # LZMA2, 1 property byte
    xz[hdr + 4] = 37  # 3 << 29: 1.5 GiB
    xz[hdr + size - 4:hdr + size] = crc32(bytes(xz[hdr:hdr + size - 4]))
    return bytes(xz), {"refused": "--max-memory", "ext": ".pcap.xz",
                       "accept_args": ["--max-memory", "4G"], "good": good}


def zstd_frame(data, window_log):
    """A zstd frame of raw blocks whose header asks for a 2^window_log
    window (RFC 8878: frame header without content size or checksum)."""
    out = [b"\x28\xb5\x2f\xfd", bytes([0x00, (window_log - 10) << 3])]
    blocks = [data[i:i + 65536] for i in range(0, len(data), 65536)] or [b""]
    for i, blk in enumerate(blocks):
        last = 1 if i == len(blocks) - 1 else 0
        out.append((len(blk) << 3 | last).to_bytes(3, "little") + blk)
    return b"".join(out)


@case
def zstd_window(name):
    """A zstd capture asking for a 128 MiB window, read with --max-memory
    64M (32 MiB for the decompressor): refused, naming the option; read
    under the default bound."""
    data, good = good_pcap_bytes(name)
    return zstd_frame(data, 27), {
        "refused": "--max-memory", "args": ["--max-memory", "64M"],
        "accept_args": [], "ext": ".pcap.zst", "good": good}


@case
def zstd_huge_window(name):
    """A zstd frame asking for a 2 GiB window (libzstd's default limit is
    128 MiB: before issue 20 this was called corrupt): refused for memory,
    read with --max-memory 8G."""
    data, good = good_pcap_bytes(name)
    return zstd_frame(data, 31), {
        "refused": "--max-memory", "ext": ".pcap.zst",
        "accept_args": ["--max-memory", "8G"], "good": good}


def ipv4_fragments(src, dst, ident, transport, pieces, ttl=64):
    """IPv4 fragments of one datagram carrying `transport`; pieces lists
    (offset, length, bytes or None for the datagram's own)."""
    frames = []
    for off, length, data in pieces:
        body = transport[off:off + length] if data is None else data
        more = off + len(body) < len(transport)
        fo = off // 8 | (0x2000 if more else 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ident, fo,
                         ttl, 6, 0, src, dst)
        frames.append(ETH + ip + body)
    return frames


def tcp_bytes(sport, dport, seq, ack, flags, payload):
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                       ack & 0xffffffff, 0x50, flags, 65535, 0, 0) + payload


@case
def fragment_flood(name):
    """400 IPv4 datagrams to port 25 left incomplete, each holding 64 KB
    (43 pieces of 1480 bytes, the last missing), under --max-memory 16M:
    the oldest are given up to stay under it (limits.max_memory)."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 5000, 2000)
    src, dst = ipv4("198.51.100.9"), ipv4("192.0.2.25")
    transport = tcp_bytes(40300, 25, 1, 1, PSH | ACK, b"x" * 65000)
    when = T0 * 10**6
    for ident in range(400):
        for k in range(43):  # the last piece never comes
            f = ipv4_fragments(src, dst, ident, transport,
                               [(k * 1480, 1480, None)])[0]
            t.add(when, f)
            when += 1
    return t, {"good": good, "args": ["--max-memory", "16M"],
               "max_memory_mib": 16, "limits": ["max_memory"],
               "stats": {"fragments_dropped_min": 100},
               "mem": {"busy": 1000}}  # the bound is --max-memory's


@case
def memory_sessions(name):
    """200 SMTP sessions each in the middle of a 150 KB header block (the
    message layer holds it, up to --max-message-bytes), open at once under
    --max-memory 16M: the sessions holding the most end early (end "limit",
    memory_limit), the small good session is decoded whole."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 30000, 20)
    conns = []
    for i in range(200):
        c = Conn(t, 20000 + i, 25, T0 * 10**6 + 100 * i, 1,
                 client="198.51.100.%d" % (1 + i % 200))
        c.handshake()
        c.dialogue([(1, crlf(b"220 mem.example ESMTP")), (0, crlf(b"EHLO c")),
                    (1, crlf(b"250 mem.example")),
                    (0, crlf(b"MAIL FROM:<a@x>", b"RCPT TO:<b@x>", b"DATA")),
                    (1, crlf(b"250 ok", b"250 ok", b"354 go"))])
        conns.append(c)
    line = b"X-Filler: " + b"f" * 1000 + b"\r\n"
    clock = T0 * 10**6 + 100 * len(conns)
    for _ in range(150):  # round robin, one clock: all grow together
        for c in conns:
            c.t, clock = clock, clock + 1
            c.pkt(0, PSH | ACK, line)
            c.seq[0] += len(line)
    for c in conns:
        c.t, clock = clock, clock + 10
        c.send(0, b"\r\nbody\r\n.\r\n")
        c.send(1, crlf(b"250 ok"))
        c.close()
    return t, {"good": good, "args": ["--max-memory", "16M"],
               "max_memory_mib": 16, "limits": ["max_memory"],
               "memory_ended_min": 1,
               "mem": {"busy": 1000}}  # the bound is --max-memory's


@case
def long_commands(name):
    """One session of 2,000 commands with 1 KB arguments of control bytes
    answered by 60-line replies, under --max-record-bytes 1M: the record is
    cut (record_truncated) and every NDJSON line stays small.  (The red
    team's 10,000 such commands made one 1.19 GB line.)"""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 40000)
    c = Conn(t, 40400, 25, T0 * 10**6, 5).handshake()
    c.send(1, crlf(b"220 long.example ESMTP"))
    arg = bytes(b for b in range(1, 32) if b not in (10, 13)) * 35
    reply = [b"250-" + b"\x07" * 70] * 59 + [b"250 ok"]
    n = 2000
    for i in range(n):
        c.send(0, crlf(b"NOOP " + arg))
        c.send(1, crlf(*reply))
    c.send(0, crlf(b"QUIT"))
    c.send(1, crlf(b"221 bye"))
    c.close()
    return t, {"good": good, "args": ["--max-record-bytes", "1M"],
               "sessions": {"40400": {"anomalies": ["record_truncated"],
                                      "commands": n + 1}},
               "limits": ["max_record_bytes"], "max_line_bytes": 4 << 20,
               "mem": {"commands": 2 * n}}


# ---- evasions named ------------------------------------------------------------

@case
def retransmit_differs(name):
    """A command delivered, then a retransmission of the same bytes with
    other content (a first copy a server would not have taken, e.g. one
    with a bad checksum, shows the analyzer one command and the server
    another); and, in a clean session, TCP keepalives (one garbage byte
    before next) that are no retransmission."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 700)
    c = Conn(t, 40500, 25, T0 * 10**6, 100).handshake()
    c.send(1, crlf(b"220 retx.example ESMTP"))
    c.send(0, crlf(b"EHLO c"))
    c.send(1, crlf(b"250 retx.example"))
    seq = c.seq[0]
    c.send(0, crlf(b"MAIL FROM:<good@x.example>"))
    c.pkt(0, PSH | ACK, crlf(b"MAIL FROM:<evil@x.example>"), seq=seq)
    c.send(1, crlf(b"250 ok"))
    c.dialogue([(0, crlf(b"QUIT")), (1, crlf(b"221 bye"))]).close()
    k = Conn(t, 40501, 25, T0 * 10**6 + 1, 100).handshake()
    k.dialogue([(1, crlf(b"220 keep.example ESMTP")), (0, crlf(b"EHLO c")),
                (1, crlf(b"250 keep.example"))])
    for _ in range(3):
        k.pkt(0, ACK, b"\x00", seq=k.seq[0] - 1)
    k.dialogue([(0, crlf(b"QUIT")), (1, crlf(b"221 bye"))]).close()
    return t, {"good": good,
               "sessions": {"40500": {"anomalies": ["tcp_overlap_mismatch"]},
                            "40501": {"absent": ["tcp_overlap_mismatch"]}}}


@case
def rst_fin_out_of_window(name):
    """RSTs and FINs a Linux receiver drops, in the middle of a session:
    an RST far from the next sequence number, one inside the window but not
    at it (RFC 5961: a challenge ACK, no reset), FINs from both sides far
    outside the window.  The session goes on: AUTH and the transaction
    after them land in one record."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 900)
    c = Conn(t, 40600, 25, T0 * 10**6, 100).handshake()
    user = base64.b64encode(b"\0rst-user\0secret")
    c.dialogue([(1, crlf(b"220 rst.example ESMTP")), (0, crlf(b"EHLO c")),
                (1, crlf(b"250-rst.example", b"250 AUTH PLAIN")),
                (0, crlf(b"AUTH PLAIN " + user)),
                (1, crlf(b"235 2.7.0 ok"))])
    c.pkt(0, RST | ACK, seq=c.seq[0] + 0x40000000)
    c.pkt(0, RST | ACK, seq=c.seq[0] + 100)
    c.pkt(1, RST, seq=c.seq[1] - 5000)
    c.pkt(0, FIN | ACK, seq=c.seq[0] + 0x30000000)
    c.pkt(1, FIN | ACK, seq=c.seq[1] + 0x30000000)
    c.dialogue([(0, crlf(b"MAIL FROM:<a@rst.example>")), (1, crlf(b"250 ok")),
                (0, crlf(b"RCPT TO:<b@rst.example>")), (1, crlf(b"250 ok")),
                (0, crlf(b"DATA")), (1, crlf(b"354 go")),
                (0, b"Subject: after the resets\r\n\r\nhi\r\n.\r\n"),
                (1, crlf(b"250 queued")), (0, crlf(b"QUIT")),
                (1, crlf(b"221 bye"))]).close()
    return t, {"good": good,
               "sessions": {"40600": {
                   "anomalies": ["tcp_rst_out_of_window",
                                 "tcp_fin_out_of_window"],
                   "end": "fin", "transactions": 1, "auth": "rst-user"}}}


@case
def fragment_overlap(name):
    """Two client segments sent as IPv4 fragments: the first with a
    duplicate piece carrying other bytes (Linux keeps the first copy), the
    second with pieces that overlap in part (Linux drops the datagram, RFC
    5722; the sender's retransmission, whole, is what counts)."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 900)
    c = Conn(t, 40700, 25, T0 * 10**6, 100).handshake()
    c.dialogue([(1, crlf(b"220 frag.example ESMTP")), (0, crlf(b"EHLO c")),
                (1, crlf(b"250 frag.example"))])
    src, dst = c.addr
    first = crlf(b"MAIL FROM:<first@frag.example>")
    tcp = tcp_bytes(40700, 25, c.seq[0], c.seq[1], PSH | ACK, first)
    evil = bytearray(tcp[24:40])
    evil[:] = b"X" * len(evil)
    for f in ipv4_fragments(src, dst, 7, tcp,
                            [(0, 24, None), (24, 16, None),
                             (24, 16, bytes(evil)), (40, len(tcp) - 40, None)]):
        t.add(c.t, f)
        c.t += c.step
    c.seq[0] += len(first)
    c.send(1, crlf(b"250 ok"))
    second = crlf(b"RCPT TO:<second@frag.example>")
    tcp = tcp_bytes(40700, 25, c.seq[0], c.seq[1], PSH | ACK, second)
    for f in ipv4_fragments(src, dst, 8, tcp,
                            [(0, 32, None), (16, 32, b"Y" * 32)]):
        t.add(c.t, f)
        c.t += c.step
    c.send(0, second)  # the retransmission, whole
    c.send(1, crlf(b"250 ok"))
    c.dialogue([(0, crlf(b"QUIT")), (1, crlf(b"221 bye"))]).close()
    return t, {"good": good,
               "sessions": {"40700": {"anomalies": ["ip_fragment_overlap"],
                                      "command_args": [
                                          ["MAIL", "FROM:<first@frag.example>"],
                                          ["RCPT", "TO:<second@frag.example>"]]}},
               "stats": {"fragments_dropped_min": 1}}


@case
def rfc822_base64(name):
    """A message whose forwarded message/rfc822 part is sent base64: the
    attachment inside it must be listed (and extracted) as a reader's mail
    program shows it."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 900)
    att = bytes(random.Random(name).getrandbits(8) for _ in range(3000))
    inner = b"\r\n".join(
        [b"From: <inner@x.example>", b"Subject: the forwarded one",
         b"Content-Type: multipart/mixed; boundary=in", b"", b"--in",
         b"Content-Type: text/plain", b"", b"see the file", b"--in",
         b"Content-Type: application/octet-stream",
         b"Content-Disposition: attachment; filename=\"hidden.bin\"",
         b"Content-Transfer-Encoding: base64", b""] + b64_lines(att) +
        [b"--in--", b""])
    msg = b"\r\n".join(
        [b"Subject: forwarding", b"Content-Type: multipart/mixed; boundary=out",
         b"", b"--out", b"Content-Type: text/plain", b"", b"fyi", b"--out",
         b"Content-Type: message/rfc822",
         b"Content-Transfer-Encoding: base64", b""] + b64_lines(inner) +
        [b"--out--", b""])
    smtp_with_message(t, 40800, T0 * 10**6, 100, msg)
    return t, {"good": good, "sessions": {"40800": {
        "anomalies": ["mime_encoded_message"],
        "message": {"subject": "forwarding", "attachments": [{
            "filename": "hidden.bin", "bytes": len(att),
            "sha256": hashlib.sha256(att).hexdigest()}]}}}}


# ---- numbers ---------------------------------------------------------------------

T2040 = 2208988800  # 2040-01-01T00:00:00Z, past 2^31 seconds


@case
def timestamps_2038(name):
    """A little-endian pcap whose times are past 2038 (unsigned 32-bit
    seconds above 2^31): 2040, not 1903; also read through libpcap's own
    reader, from standard input."""
    t = Trace()
    good = good_smtp(t, name, T2040 * 10**6, 1000)
    return t, {"good": good, "ts_prefix": "2040-01-01T00:00:0",
               "stdin": True}
