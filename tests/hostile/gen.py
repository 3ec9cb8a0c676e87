#!/usr/bin/python3
"""gen.py OUTDIR CASE [ARG] - write one hostile capture for t_hostile.sh.

Each case writes OUTDIR/CASE.pcap (or .pcapng) and OUTDIR/CASE.json, the
facts the checker (check.py) compares mailscope's output with: the one
well-formed session the capture also carries (interleaved with the hostile
traffic: SMTP with AUTH LOGIN and a message with an attachment, or POP3
with a RETR), the anomalies and limit counters the hostile part must
raise, and case-specific values.  Everything is derived from the case name
(random.Random(name)), so the files are the same on every run, and the
expected values are computed here, never copied from mailscope's output.

Packets are written directly with struct (no scapy): the large cases
(200,000 half-open connections, 100,000 pipelined commands, 100,000
headers, MIME nested 10,000 deep, a 2 MB line) take a second or two.
Python 3 from Debian only.  `gen.py --list` prints the case names.
The cases of issue 20 are in gen_round2.py, listed here too.
"""
import base64
import hashlib
import json
import os
import random
import struct
import sys

T0 = 1764000000  # 2025-11-24T16:00:00Z


# ---- frames and files -------------------------------------------------------

def ipv4(a):
    return bytes(int(x) for x in a.split("."))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


ETH = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"


def frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, 0x50, flags, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0,
                     src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ETH + ip + tcp + payload


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Trace:
    """Packets of every connection, merged by time when written."""

    def __init__(self):
        self.records = []  # (usec, order, frame bytes, caplen or None)

    def add(self, usec, data, caplen=None):
        self.records.append((usec, len(self.records), data, caplen))

    def sorted(self):
        return sorted(self.records, key=lambda r: (r[0], r[1]))

    def pcap_bytes(self):
        out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1)]
        offsets = []
        pos = 24
        for usec, _, data, caplen in self.sorted():
            cap = len(data) if caplen is None else min(caplen, len(data))
            rec = struct.pack("<IIII", usec // 1000000, usec % 1000000, cap,
                              len(data)) + data[:cap]
            offsets.append(pos)
            out.append(rec)
            pos += len(rec)
        return b"".join(out), offsets

    def pcapng_bytes(self):
        def block(btype, body):
            body += b"\0" * (-len(body) % 4)
            n = 12 + len(body)
            return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
        out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
               block(1, struct.pack("<HHI", 1, 0, 262144))]
        offsets = []
        pos = sum(len(b) for b in out)
        for usec, _, data, caplen in self.sorted():
            cap = len(data) if caplen is None else min(caplen, len(data))
            b = block(6, struct.pack("<IIIII", 0, usec >> 32,
                                     usec & 0xffffffff, cap, len(data))
                      + data[:cap])
            offsets.append(pos)
            out.append(b)
            pos += len(b)
        return b"".join(out), offsets


class Conn:
    """One TCP connection: handshake, data cut into segments, ACKs, FIN.
    Its packets are `step` microseconds apart from `start` on."""

    def __init__(self, trace, cport, sport, start, step=1000,
                 client="192.0.2.10", server="192.0.2.25", isn=(1000, 50000)):
        self.trace, self.t, self.step = trace, start, step
        self.addr = (ipv4(client), ipv4(server))
        self.port = (cport, sport)
        self.seq = [isn[0], isn[1]]

    def pkt(self, d, flags, payload=b"", seq=None, ack=None, caplen=None):
        s = self.seq[d] if seq is None else seq
        a = self.seq[1 - d] if ack is None else ack
        data = frame(self.addr[d], self.addr[1 - d], self.port[d],
                     self.port[1 - d], s, a, flags, payload)
        self.trace.add(self.t, data, caplen)
        self.t += self.step

    def handshake(self):
        self.pkt(0, SYN, seq=self.seq[0] - 1, ack=0)
        self.pkt(1, SYN | ACK, seq=self.seq[1] - 1)
        self.pkt(0, ACK)
        return self

    def send(self, d, data, mss=1460, caplen=None):
        for i in range(0, len(data), mss):
            chunk = data[i:i + mss]
            self.pkt(d, PSH | ACK, chunk, caplen=caplen)
            self.seq[d] += len(chunk)
        self.pkt(1 - d, ACK)
        return self

    def dialogue(self, steps):
        for d, data in steps:
            self.send(d, data)
        return self

    def close(self):
        self.pkt(0, FIN | ACK)
        self.seq[0] += 1
        self.pkt(1, FIN | ACK)
        self.seq[1] += 1
        self.pkt(0, ACK)
        return self


def crlf(*lines):
    return b"".join(l + b"\r\n" for l in lines)


def dot_stuff(msg):
    lines = msg.split(b"\r\n")
    return b"\r\n".join(b"." + l if l.startswith(b".") else l for l in lines)


def b64_lines(data):
    enc = base64.b64encode(data)
    return [enc[i:i + 76] for i in range(0, len(enc), 76)]


# ---- the well-formed session ------------------------------------------------

def good_message(rng, case):
    """A message with a text part and a base64 attachment, and its facts."""
    att = bytes(rng.getrandbits(8) for _ in range(rng.randint(2000, 6000)))
    name = "report-%s-%d.bin" % (case, rng.randint(100, 999))
    subject = "Quarterly numbers for %s %d" % (case, rng.randint(1, 9999))
    lines = [b"From: Alice Sender <alice@good.example>",
             b"To: Bob <bob@good.example>",
             b"Subject: " + subject.encode(),
             b"Date: Mon, 24 Nov 2025 16:00:00 +0000",
             b"Message-ID: <%s@good.example>" % case.encode(),
             b"MIME-Version: 1.0",
             b"Content-Type: multipart/mixed; boundary=\"gb-%s\"" % case.encode(),
             b"",
             b"--gb-" + case.encode(),
             b"Content-Type: text/plain; charset=us-ascii",
             b"",
             b"Hello Bob,",
             b".a line that starts with a dot",
             b"--gb-" + case.encode(),
             b"Content-Type: application/octet-stream; name=\"%s\"" % name.encode(),
             b"Content-Disposition: attachment; filename=\"%s\"" % name.encode(),
             b"Content-Transfer-Encoding: base64",
             b""] + b64_lines(att) + [b"--gb-" + case.encode() + b"--"]
    msg = b"\r\n".join(lines) + b"\r\n"
    facts = {"subject": subject, "bytes": len(msg),
             "sha256": hashlib.sha256(msg).hexdigest(),
             "attachments": [{"filename": name, "bytes": len(att),
                              "sha256": hashlib.sha256(att).hexdigest(),
                              "md5": hashlib.md5(att).hexdigest()}]}
    return msg, facts


def good_smtp(trace, case, start, step, cport=33025, client="192.0.2.77",
              server="192.0.2.25"):
    rng = random.Random("smtp:" + case)
    user = "user-%s" % case
    qid = "Q%08X" % rng.getrandbits(32)
    msg, facts = good_message(rng, case)
    c = Conn(trace, cport, 25, start, step, client=client, server=server)
    c.handshake()
    c.dialogue([
        (1, crlf(b"220 mx.good.example ESMTP ready")),
        (0, crlf(b"EHLO client.good.example")),
        (1, crlf(b"250-mx.good.example", b"250-PIPELINING",
                 b"250-AUTH PLAIN LOGIN", b"250 SIZE 10485760")),
        (0, crlf(b"AUTH LOGIN")),
        (1, crlf(b"334 VXNlcm5hbWU6")),
        (0, crlf(base64.b64encode(user.encode()))),
        (1, crlf(b"334 UGFzc3dvcmQ6")),
        (0, crlf(base64.b64encode(b"pw-" + case.encode()))),
        (1, crlf(b"235 2.7.0 Authentication successful")),
        (0, crlf(b"MAIL FROM:<alice@good.example>")),
        (1, crlf(b"250 2.1.0 Ok")),
        (0, crlf(b"RCPT TO:<bob@good.example>")),
        (1, crlf(b"250 2.1.5 Ok")),
        (0, crlf(b"DATA")),
        (1, crlf(b"354 End data with <CR><LF>.<CR><LF>")),
        (0, dot_stuff(msg) + b".\r\n"),
        (1, crlf(b"250 2.0.0 Ok: queued as " + qid.encode())),
        (0, crlf(b"QUIT")),
        (1, crlf(b"221 2.0.0 Bye"))])
    c.close()
    return {"proto": "smtp", "client_port": cport, "client_ip": client,
            "banner": "mx.good.example ESMTP ready",
            "commands": [["EHLO", 250], ["AUTH", 235], ["MAIL", 250],
                         ["RCPT", 250], ["DATA", 354], ["QUIT", 221]],
            "auth": {"mechanism": "LOGIN", "username": user,
                     "result": "success"},
            "transaction": {"mail_from": "alice@good.example",
                            "rcpt_to": ["bob@good.example"],
                            "status": "queued", "queue_id": qid},
            "message": facts}


def good_pop3(trace, case, start, step, cport=33110, client="192.0.2.78",
              server="192.0.2.110"):
    rng = random.Random("pop3:" + case)
    user = "pop-%s" % case
    msg, facts = good_message(rng, case)
    c = Conn(trace, cport, 110, start, step, client=client, server=server)
    c.handshake()
    c.dialogue([
        (1, crlf(b"+OK POP3 server ready")),
        (0, crlf(b"USER " + user.encode())),
        (1, crlf(b"+OK")),
        (0, crlf(b"PASS pw-" + case.encode())),
        (1, crlf(b"+OK logged in")),
        (0, crlf(b"STAT")),
        (1, crlf(b"+OK 1 %d" % len(msg))),
        (0, crlf(b"RETR 1")),
        (1, crlf(b"+OK %d octets" % len(msg)) + dot_stuff(msg) + b".\r\n"),
        (0, crlf(b"QUIT")),
        (1, crlf(b"+OK bye"))])
    c.close()
    return {"proto": "pop3", "client_port": cport, "client_ip": client,
            "banner": "POP3 server ready",
            "commands": [["USER", "+OK"], ["PASS", "+OK"], ["STAT", "+OK"],
                         ["RETR", "+OK"], ["QUIT", "+OK"]],
            "auth": {"mechanism": "USER", "username": user,
                     "result": "success"},
            "mailbox": {"messages": 1, "octets": len(msg)},
            "retrieved": {"number": 1, "command": "RETR", "bytes": len(msg)},
            "message": facts}


# ---- the cases ---------------------------------------------------------------
# Each returns (trace, facts); facts["good"] is the well-formed session,
# facts["sessions"] lists, per hostile session (by client port), the
# anomalies it must carry; facts["limits"] the stats counters that must be
# non-zero; facts["stats"] exact stats values where they are known.

CASES = {}


def case(fn):
    CASES[fn.__name__.replace("_", "-")] = fn
    return fn


def file_fault(name, ng, corrupt):
    """A good session, then a second one cut by the fault (it must still be
    reported, ending at the fault), and packets after it."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6, 1000)
    cut = Conn(t, 40001, 25, T0 * 10**6 + 200000, 1000).handshake()
    cut.dialogue([(1, crlf(b"220 cut.example ESMTP")),
                  (0, crlf(b"EHLO cut.example"))])
    n_before = len(t.records)
    cut.dialogue([(1, crlf(b"250 cut.example")), (0, crlf(b"NOOP")),
                  (1, crlf(b"250 ok"))])
    cut.close()
    data, offsets = t.pcapng_bytes() if ng else t.pcap_bytes()
    at = offsets[n_before]  # the first record after the cut session began
    if corrupt and ng:  # a block length that is not a multiple of 4
        data = data[:at + 4] + struct.pack("<I", 0x7ffffff1) + data[at + 8:]
    elif corrupt:  # a captured length beyond any snaplen
        data = data[:at + 8] + struct.pack("<I", 0x7ffffff0) + data[at + 12:]
    else:  # cut in the middle of the record
        data = data[:at + 30]
    return data, {"good": good, "fault_offset": at,
                  "sessions": {"40001": {"end": "eof"}}}


def fault_case(ng, corrupt):
    return lambda name: file_fault(name, ng, corrupt)


for _name, _ng, _corrupt in (("corrupt-pcap", False, True),
                             ("truncated-pcap", False, False),
                             ("corrupt-pcapng", True, True),
                             ("truncated-pcapng", True, False)):
    CASES[_name] = fault_case(_ng, _corrupt)


@case
def snaplen(name):
    """Segments captured with a 100-byte snaplen (caplen < length); the peer
    acknowledges every byte, so the missing tails are known holes."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 5000, 3000)
    c = Conn(t, 40010, 25, T0 * 10**6, 1000).handshake()
    c.send(1, crlf(b"220 cut.example ESMTP"))
    c.send(0, crlf(b"EHLO " + b"h" * 300))
    body = crlf(*[b"MAIL FROM:<x%04d@cut.example> " % i + b"p" * 200
                  for i in range(20)])
    c.send(0, body, mss=300, caplen=14 + 40 + 60)
    c.send(1, crlf(*[b"250 ok"] * 21))
    c.close()
    return t, {"good": good,
               "sessions": {"40010": {"anomalies": ["tcp_gap"],
                                      "gap_bytes_min": 1}},
               "stats": {"packets_truncated_min": 1}}


@case
def random_binary(name):
    """Random bytes both ways on ports 25 and 110, with and without a
    handshake, in segments of random sizes."""
    rng = random.Random(name)
    t = Trace()
    good = good_pop3(t, name, T0 * 10**6 + 2000, 20000)
    sessions = {}
    for i, port in enumerate([25, 110, 25, 110]):
        c = Conn(t, 41000 + i, port, T0 * 10**6 + i * 7, 37,
                 isn=(rng.getrandbits(32), rng.getrandbits(32)))
        if i < 2:
            c.handshake()
        for _ in range(60):
            d = rng.getrandbits(1)
            blob = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4000)))
            c.send(d, blob, mss=rng.randint(1, 1460))
        c.close()
        sessions[str(41000 + i)] = {"anomalies": ["control_characters"]}
    return t, {"good": good, "sessions": sessions}


@case
def long_line(name):
    """A 2 MB client line without its end (SMTP) and a 2 MB server line
    without its end (POP3); the connections then just stop."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 3000, 5000)
    c = Conn(t, 40020, 25, T0 * 10**6, 10).handshake()
    c.send(1, crlf(b"220 long.example ESMTP"))
    c.send(0, b"EHLO " + b"A" * (2 * 1024 * 1024))
    p = Conn(t, 40021, 110, T0 * 10**6 + 1, 10).handshake()
    p.send(1, b"+OK " + b"B" * (2 * 1024 * 1024))
    both = ["line_too_long", "incomplete_line"]
    return t, {"good": good,
               "sessions": {"40020": {"anomalies": both},
                            "40021": {"anomalies": both}},
               "limits": ["max_line"]}


@case
def half_open(name):
    """200,000 half-open connections (a SYN, nothing more) from many
    addresses to port 25; the good session runs in the middle of them."""
    t = Trace()
    n = 200000
    for i in range(n):
        src = bytes([10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff])
        t.add(T0 * 10**6 + i * 25,
              frame(src, ipv4("192.0.2.25"), 1024 + i % 60000, 25, i * 7919,
                    0, SYN, b""))
    good = good_smtp(t, name, T0 * 10**6 + 130000 * 25, 20)
    return t, {"good": good, "limits": ["max_sessions"],
               "stats": {"sessions_evicted_min": n - 100000,
                         "sessions_dropped": 0},
               "mem": {"empty": 100000, "data": 1, "busy": 1},
               "stderr": "session table full"}


@case
def session_flood(name):
    """5,000 connections that greet and then never speak again, with a
    table of --max-sessions 1000: the good session (already in the table)
    is decoded, the flood beyond the table is dropped and counted."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6, 400)
    for i in range(5000):
        c = Conn(t, 10000 + i, 25, T0 * 10**6 + 5000 + i * 3, 1,
                 client="198.51.100.%d" % (1 + i % 250))
        c.handshake()
        c.pkt(1, PSH | ACK, b"220 flood ESMTP\r\n")
    return t, {"good": good, "args": ["--max-sessions", "1000"],
               "limits": ["max_sessions"],
               "stats": {"sessions_dropped_min": 3900},
               "mem": {"data": 1000, "busy": 1},
               "stderr": "session table full"}


@case
def overlap(name):
    """Retransmissions that overlap with different bytes: a queued
    out-of-order segment contradicted by a later copy, and in-order bytes
    that contradict a queued copy."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1500, 700)
    c = Conn(t, 40030, 25, T0 * 10**6, 500).handshake()
    c.send(1, crlf(b"220 overlap.example ESMTP"))
    seq = c.seq[0]
    first, second = b"EHLO aaaaaaaaaa\r\n", b"MAIL FROM:<good@x>\r\n"
    c.pkt(0, PSH | ACK, second, seq=seq + len(first))           # queued
    c.pkt(0, PSH | ACK, b"MAIL FROM:<evil@x>\r\n", seq=seq + len(first))
    c.pkt(0, PSH | ACK, b"RCPT", seq=seq + len(first) + len(second) + 4)
    c.pkt(0, PSH | ACK, first, seq=seq)                         # fills the hole
    c.seq[0] = seq + len(first) + len(second)
    c.pkt(0, PSH | ACK, b"RCPT TO:<b@x>\r\n", seq=c.seq[0])     # vs "RCPT"@+4
    c.seq[0] += 15
    c.send(1, crlf(b"250 hi", b"250 ok", b"250 ok"))
    c.close()
    return t, {"good": good,
               "sessions": {"40030": {"anomalies": ["tcp_overlap_mismatch"]}}}


@case
def pipeline(name):
    """One flight of 100,000 pipelined commands (SMTP RCPTs and NOOPs; POP3
    LIST n), then the replies."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 20000)
    n = 100000
    c = Conn(t, 40040, 25, T0 * 10**6, 5).handshake()
    c.send(1, crlf(b"220 pipe.example ESMTP"))
    c.send(0, crlf(b"EHLO c"))
    c.send(1, crlf(b"250-pipe.example", b"250 PIPELINING"))
    cmds = [b"MAIL FROM:<a@pipe.example>"] + [
        b"RCPT TO:<r%06d@pipe.example>" % i if i % 2 else b"NOOP"
        for i in range(n - 1)]
    c.send(0, crlf(*cmds))
    c.send(1, crlf(*[b"250 ok"] * n))
    c.close()
    p = Conn(t, 40041, 110, T0 * 10**6 + 2, 5).handshake()
    p.send(1, crlf(b"+OK pop"))
    p.send(0, crlf(b"USER u", b"PASS p", b"CAPA"))
    p.send(1, crlf(b"+OK", b"+OK", b"+OK", b"PIPELINING", b"."))
    p.send(0, crlf(*[b"LIST %d" % (i + 1) for i in range(n)]))
    p.send(1, crlf(*[b"+OK %d 100" % (i + 1) for i in range(n)]))
    p.close()
    many = ["too_many_outstanding", "record_limit"]
    return t, {"good": good,
               "sessions": {"40040": {"anomalies": many, "commands": 10000},
                            "40041": {"anomalies": many, "commands": 10000,
                                      "paired": True}},
               "limits": ["max_pipeline", "max_commands", "outstanding"],
               "mem": {"commands": 20000}, "workers": True}


@case
def bdat(name):
    """BDAT with negative, absurd, hexadecimal, fractional and missing
    sizes, trailing junk, then a huge valid size the session never fills."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 800)
    c = Conn(t, 40050, 25, T0 * 10**6, 300).handshake()
    c.dialogue([(1, crlf(b"220 bdat.example ESMTP")),
                (0, crlf(b"EHLO c")),
                (1, crlf(b"250-bdat.example", b"250-CHUNKING",
                         b"250 PIPELINING")),
                (0, crlf(b"MAIL FROM:<a@bdat.example>",
                         b"RCPT TO:<b@bdat.example>")),
                (1, crlf(b"250 ok", b"250 ok"))])
    for arg in [b"-5", b"-1 LAST", b"99999999999999999999999999",
                b"18446744073709551617 LAST", b"0x10", b"1e9", b"", b"10 LAST junk",
                b"+7"]:
        c.send(0, crlf(b"BDAT " + arg))
        c.send(1, crlf(b"501 5.5.4 bad size"))
    c.send(0, crlf(b"BDAT 999999999999999999 LAST") + b"only a few bytes\r\n")
    c.close()
    return t, {"good": good,
               "sessions": {"40050": {"anomalies": ["bdat_bad_size"]}}}


@case
def auth_junk(name):
    """AUTH with junk base64 and shapes no mechanism allows, SMTP and POP3."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 900)
    c = Conn(t, 40060, 25, T0 * 10**6, 300).handshake()
    steps = [(1, crlf(b"220 auth.example ESMTP")), (0, crlf(b"EHLO c")),
             (1, crlf(b"250-auth.example", b"250 AUTH PLAIN LOGIN CRAM-MD5"))]
    for junk in [b"AUTH PLAIN !!!notbase64!!!", b"AUTH PLAIN ====",
                 b"AUTH PLAIN " + base64.b64encode(b"no separators"),
                 b"AUTH PLAIN " + b"QUFB" * 3000, b"AUTH", b"AUTH \x00\xff"]:
        steps += [(0, crlf(junk)), (1, crlf(b"535 5.7.8 no"))]
    steps += [(0, crlf(b"AUTH LOGIN")), (1, crlf(b"334 VXNlcm5hbWU6")),
              (0, crlf(b"\x1b[31m%%%")), (1, crlf(b"334 ###junk###")),
              (0, crlf(b"A")), (1, crlf(b"535 no")),
              (0, crlf(b"AUTH CRAM-MD5")), (1, crlf(b"334 @@@@")),
              (0, crlf(b"=")), (1, crlf(b"535 no")),
              (0, crlf(b"QUIT")), (1, crlf(b"221 bye"))]
    c.dialogue(steps).close()
    p = Conn(t, 40061, 110, T0 * 10**6 + 1, 300).handshake()
    p.dialogue([(1, crlf(b"+OK pop")), (0, crlf(b"AUTH PLAIN")),
                (1, crlf(b"+ ")), (0, crlf(b"***")),
                (1, crlf(b"-ERR [AUTH] no")), (0, crlf(b"AUTH XOAUTH2 ZZZZ")),
                (1, crlf(b"-ERR no")), (0, crlf(b"QUIT")),
                (1, crlf(b"+OK bye"))]).close()
    return t, {"good": good,
               "sessions": {"40060": {"anomalies": ["sasl_bad_base64",
                                                    "sasl_malformed"]},
                            "40061": {"anomalies": ["sasl_bad_base64"]}}}


def smtp_with_message(t, cport, start, step, msg, server_name=b"msg.example"):
    c = Conn(t, cport, 25, start, step).handshake()
    c.dialogue([(1, crlf(b"220 " + server_name + b" ESMTP")),
                (0, crlf(b"EHLO c")), (1, crlf(b"250 " + server_name)),
                (0, crlf(b"MAIL FROM:<a@msg.example>")), (1, crlf(b"250 ok")),
                (0, crlf(b"RCPT TO:<b@msg.example>")), (1, crlf(b"250 ok")),
                (0, crlf(b"DATA")), (1, crlf(b"354 go")),
                (0, dot_stuff(msg) + b".\r\n"),
                (1, crlf(b"250 ok queued as HOSTILE1")),
                (0, crlf(b"QUIT")), (1, crlf(b"221 bye"))])
    c.close()


@case
def mime_deep(name):
    """multipart/mixed nested 10,000 deep (each level its own boundary),
    and message/rfc822 nested 10,000 deep, over SMTP and POP3."""
    t = Trace()
    good = good_pop3(t, name, T0 * 10**6 + 1000, 3000)
    n = 10000
    lines = [b"Subject: deep multipart"]
    for i in range(n):
        lines += [b"Content-Type: multipart/mixed; boundary=\"d%d\"" % i, b"",
                  b"--d%d" % i]
    lines += [b"Content-Type: text/plain", b"", b"bottom"]
    for i in reversed(range(n)):
        lines.append(b"--d%d--" % i)
    smtp_with_message(t, 40070, T0 * 10**6, 50, b"\r\n".join(lines) + b"\r\n")
    rfc = [b"Subject: deep rfc822"]
    for i in range(n):
        rfc += [b"Content-Type: message/rfc822", b""]
    rfc += [b"Subject: bottom", b"", b"text"]
    smtp_with_message(t, 40071, T0 * 10**6 + 1, 50,
                      b"\r\n".join(rfc) + b"\r\n")
    return t, {"good": good,
               "sessions": {"40070": {"anomalies": ["mime_too_deep"]},
                            "40071": {"anomalies": ["mime_too_deep"]}},
               "limits": ["max_mime_depth"]}


@case
def headers(name):
    """A message of 100,000 header fields, then the Subject and the
    multipart structure with an attachment: the flood is counted, not kept,
    and does not hide what follows it."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 4000)
    n = 100000
    att = b"attachment behind the flood\r\n" * 10
    lines = [b"X-Flood-%06d: v" % i for i in range(n)]
    lines += [b"Subject: behind the flood",
              b"Content-Type: multipart/mixed; boundary=\"fb\"", b"",
              b"--fb", b"Content-Type: application/octet-stream",
              b"Content-Disposition: attachment; filename=\"behind.bin\"",
              b"Content-Transfer-Encoding: base64", b""]
    lines += b64_lines(att) + [b"--fb--"]
    smtp_with_message(t, 40080, T0 * 10**6, 50, b"\r\n".join(lines) + b"\r\n")
    return t, {"good": good,
               "sessions": {"40080": {
                   "anomalies": ["too_many_headers"],
                   "message": {"subject": "behind the flood",
                               "attachments": [{
                                   "filename": "behind.bin",
                                   "bytes": len(att),
                                   "sha256": hashlib.sha256(att).hexdigest()}]},
                   "detail": {"too_many_headers": str(n + 2)}}},
               "limits": ["max_headers"]}


@case
def reassembly(name):
    """Out-of-order bytes that never become contiguous: the client's first
    100 bytes never come (nor an ACK for them) and 3 MB follow the hole;
    and 10,000 one-byte segments, each after a hole of its own."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 3000)
    c = Conn(t, 40110, 25, T0 * 10**6, 10).handshake()
    c.send(1, crlf(b"220 ooo.example ESMTP"))
    seq = c.seq[0]
    data = crlf(*[b"NOOP %07d" % i for i in range(250000)])
    for i in range(0, len(data), 1460):
        c.pkt(0, PSH | ACK, data[i:i + 1460], seq=seq + 100 + i)
    d = Conn(t, 40111, 25, T0 * 10**6 + 1, 10).handshake()
    d.send(1, crlf(b"220 ooo2.example ESMTP"))
    for i in range(10000):
        d.pkt(0, PSH | ACK, b"x", seq=d.seq[0] + 2 + 2 * i)
    both = {"anomalies": ["reassembly_limit", "tcp_gap"], "gap_bytes_min": 1}
    return t, {"good": good, "sessions": {"40110": both, "40111": both},
               "limits": ["max_session_bytes"],
               "stats": {"sessions_truncated": 2}}


@case
def message_limits(name):
    """A message past every message-layer bound: 5,000 MIME parts, a
    20 KB Subject, 3,000 To addresses, 300 Received headers; and one whose
    header block (900 fields of 1.5 KB) is larger than --max-message-bytes."""
    t = Trace()
    good = good_pop3(t, name, T0 * 10**6 + 1000, 3000)
    lines = [b"Received: from h%d.example (h%d.example [192.0.2.%d]) by "
             b"h%d.example; Mon, 24 Nov 2025 16:00:00 +0000"
             % (i + 1, i + 1, 1 + i % 250, i) for i in range(300)]
    lines += [b"Subject: " + b"s" * 20000,
              b"To: " + b", ".join(b"<r%d@x.example>" % i for i in range(3000)),
              b"Content-Type: multipart/mixed; boundary=p", b""]
    for i in range(5000):
        lines += [b"--p", b"Content-Type: text/plain", b"", b"part %d" % i]
    lines.append(b"--p--")
    smtp_with_message(t, 40120, T0 * 10**6, 50, b"\r\n".join(lines) + b"\r\n")
    big = [b"X-Big-%03d: " % i + b"v" * 1500 for i in range(900)]
    big += [b"Subject: after the big block", b"", b"body"]
    smtp_with_message(t, 40121, T0 * 10**6 + 1, 50, b"\r\n".join(big) + b"\r\n")
    return t, {"good": good,
               "sessions": {"40120": {"anomalies": ["mime_too_many_parts",
                                                    "header_too_long",
                                                    "record_limit"]},
                            "40121": {"anomalies": ["header_too_large"]}},
               "limits": ["max_mime_parts", "header_value", "list_entries",
                          "max_message_bytes"]}


@case
def reply_limits(name):
    """Replies past their bounds: an EHLO answered by 5,000 capability
    lines, a 40 KB HELP reply, a POP3 CAPA listing 5,000 capabilities."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 3000)
    c = Conn(t, 40130, 25, T0 * 10**6, 20).handshake()
    c.dialogue([(1, crlf(b"220 caps.example ESMTP")), (0, crlf(b"EHLO c")),
                (1, crlf(*[b"250-X-CAP-%04d some parameters" % i
                           for i in range(5000)] + [b"250 PIPELINING"])),
                (0, crlf(b"HELP")),
                (1, crlf(*[b"214-" + b"h" * 70] * 600 + [b"214 end"])),
                (0, crlf(b"QUIT")), (1, crlf(b"221 bye"))]).close()
    p = Conn(t, 40131, 110, T0 * 10**6 + 1, 20).handshake()
    p.dialogue([(1, crlf(b"+OK pop")), (0, crlf(b"CAPA")),
                (1, crlf(*[b"+OK"] + [b"X-CAP-%04d" % i for i in range(5000)]
                         + [b"."])),
                (0, crlf(b"QUIT")), (1, crlf(b"+OK bye"))]).close()
    return t, {"good": good,
               "sessions": {"40130": {"anomalies": ["reply_too_long"]},
                            "40131": {"anomalies": ["record_limit"]}},
               "limits": ["reply_text", "list_entries"]}


ESC = b"\x1b[2J\x1b]0;owned\x07\x1b[31m"


@case
def escapes(name):
    """ANSI escape sequences, NUL, bidi overrides and invalid UTF-8 in
    banners, commands, replies, subjects (raw and RFC 2047-encoded) and
    attachment names, over SMTP and POP3."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 900)
    bad = ESC + b"\x00\xff\xfe\xc3\x28\xe2\x80\xae\xed\xa0\x80\x9b\x7f"
    enc = b"=?utf-8?b?" + base64.b64encode(ESC + b"\x00x\xc2\x9b") + b"?="
    msg = crlf(b"Subject: " + bad, b"From: " + ESC + b" <e@x>",
               b"X-Mailer: " + enc,
               b"Content-Type: multipart/mixed; boundary=e", b"", b"--e",
               b"Content-Disposition: attachment; filename=\"" + ESC + b"a\x00.txt\"",
               b"", b"body" + bad, b"--e", b"Content-Type: text/plain; name=" + enc,
               b"", b"x", b"--e--")
    c = Conn(t, 40090, 25, T0 * 10**6, 300).handshake()
    c.dialogue([(1, crlf(b"220 " + bad + b" ESMTP")),
                (0, crlf(b"EHLO " + bad)),
                (1, crlf(b"250-" + bad, b"250 PIPELINING")),
                (0, crlf(b"MAIL FROM:<" + bad + b">", b"RCPT TO:<" + ESC + b">")),
                (1, crlf(b"250 " + bad, b"550 " + ESC)),
                (0, crlf(b"DATA")), (1, crlf(b"354 " + ESC)),
                (0, dot_stuff(msg) + b".\r\n"),
                (1, crlf(b"250 queued as " + ESC)),
                (0, crlf(b"\x00\x01\x02" + bad)), (1, crlf(b"500 " + bad)),
                (0, crlf(b"QUIT")), (1, crlf(b"221 " + bad))]).close()
    p = Conn(t, 40091, 110, T0 * 10**6 + 1, 300).handshake()
    p.dialogue([(1, crlf(b"+OK " + bad)), (0, crlf(b"USER " + bad)),
                (1, crlf(b"+OK " + ESC)), (0, crlf(b"PASS " + bad)),
                (1, crlf(b"-ERR " + bad)), (0, crlf(b"RETR 1")),
                (1, crlf(b"+OK") + dot_stuff(msg) + b".\r\n"),
                (0, crlf(b"QUIT")), (1, crlf(b"+OK " + bad))]).close()
    return t, {"good": good,
               "sessions": {"40090": {"anomalies": ["control_characters"]},
                            "40091": {"anomalies": ["control_characters"]}}}


def hostile_names(outside):
    """Attachment file names that try to leave or damage --extract-dir."""
    return [b"../../escape.txt", b"../" * 30 + b"etc/passwd", b"/etc/passwd",
            outside.encode() + b"/absolute.txt", b"..", b".", b"...",
            b".hidden", b"..\\..\\win.ini", b"C:\\Windows\\evil.dll",
            b"CON", b"nul.txt", b"COM1.log", b"aux", b"LPT9", b"prn.",
            b"evil.txt. . .", b"a/b/c.txt", b"\xe2\x80\xaegnp.exe",
            b"bad\xff\xfe.txt", b"c1\xc2\x9b[31m\x1b[2J\x07.txt",
            b"x" * 10000 + b".txt", b"collide.txt", b"collide.txt",
            b"link.txt", b""]


@case
def extract(name, outside="/nonexistent-outside"):
    """Attachments whose names are hostile: traversal, absolute paths,
    device names, control bytes (raw, RFC 2231 and RFC 2047 encoded), a
    10,000-byte name, names that collide with each other."""
    t = Trace()
    good = good_smtp(t, name, T0 * 10**6 + 1000, 900)
    parts = []
    names = hostile_names(outside)
    for i, fn in enumerate(names):
        parts += [b"--x", b"Content-Type: application/octet-stream",
                  b"Content-Disposition: attachment; filename=\"" +
                  fn.replace(b"\\", b"\\\\") + b"\"", b"",
                  b"part %d" % i]
    for i, enc in enumerate([b"filename*=utf-8''a%00b%1b%5b31m%0a.txt",
                             b"filename*=utf-8''%2e%2e%2f%2e%2e%2fenc.txt",
                             b"filename=\"=?utf-8?q?=2E=2E/=00=1B=5B2J.txt?=\"",
                             b"filename*0=\"" + b"y" * 5000 + b"\"; filename*1=\"" +
                             b"z" * 5000 + b"\""]):
        parts += [b"--x", b"Content-Type: application/octet-stream",
                  b"Content-Disposition: attachment; " + enc, b"",
                  b"encoded %d" % i]
    msg = b"\r\n".join([b"Subject: names", b"Content-Type: multipart/mixed; "
                        b"boundary=x", b""] + parts + [b"--x--"]) + b"\r\n"
    smtp_with_message(t, 40100, T0 * 10**6, 300, msg)
    return t, {"good": good, "attachments": len(names) + 4,
               "sessions": {"40100": {"anomalies": []}}}


def write_case(out, name, arg):
    fn = CASES[name]
    trace, facts = fn(name, arg) if arg else fn(name)
    ext = facts.pop("ext", ".pcapng" if "pcapng" in name else ".pcap")
    path = os.path.join(out, name + ext)
    if isinstance(trace, bytes):
        data = trace
    else:
        data = trace.pcap_bytes()[0]
    with open(path, "wb") as f:
        f.write(data)
    facts["capture"] = path
    mem = facts.setdefault("mem", {})
    n = len(facts.get("sessions", {})) + 1
    mem.setdefault("data", n)
    mem.setdefault("busy", n)
    mem.setdefault("commands", 100 * n)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(facts, f, indent=1)
    return path


def main():
    # the cases of issue 20 (keyed hashing, the memory bound, evasions)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gen_round2
    CASES.update(gen_round2.CASES)
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print("\n".join(CASES))
        return
    if len(sys.argv) not in (3, 4) or sys.argv[2] not in CASES:
        sys.exit("usage: gen.py OUTDIR CASE [ARG]  (gen.py --list)")
    print(write_case(sys.argv[1], sys.argv[2],
                     sys.argv[3] if len(sys.argv) == 4 else None))


if __name__ == "__main__":
    main()
