#!/usr/bin/python3
"""tls_seeds.py OUTDIR - seeds for fuzz_tls (fuzz/fuzz_tls.c): the TLS
fixtures of tests/unit/data/ (real handshakes after STARTTLS) turned into
chunk scripts, with each option byte (fake protection, SMTP names), and a
few hand-made streams for paths those miss: an SSLv2-compatible
ClientHello, a fatal alert, a protected TLS 1.3 handshake the fake
protection decrypts."""
import glob
import os
import struct
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))


def script(opts, chunks):
    """chunks: (direction, bytes); cut into the harness's 64-byte pieces"""
    b = bytearray([opts])
    for d, data in chunks:
        for i in range(0, len(data), 64):
            piece = data[i:i + 64]
            b.append((len(piece) - 1) << 2 | d)
            b += piece
    return bytes(b)


def fixture(path):
    raw = open(path, "rb").read()
    chunks, at = [], 0
    while at + 5 <= len(raw):
        d, n = struct.unpack(">BI", raw[at:at + 5])
        chunks.append((d, raw[at + 5:at + 5 + n]))
        at += 5 + n
    return chunks


def record(t, body, version=0x0303):
    return struct.pack(">BHH", t, version, len(body)) + body


def handshake(t, body):
    return struct.pack(">BI", t, len(body))[0:1] + len(body).to_bytes(3, "big") + body


def protected(inner_type, body):
    return record(23, bytes(x ^ 0x5a for x in body + bytes([inner_type])))


n = 0


def write(data):
    global n
    n += 1
    open(os.path.join(out, "seed-%d" % n), "wb").write(data)


for f in sorted(glob.glob(os.path.join(here, "..", "tests", "unit", "data",
                                       "*.tls"))):
    chunks = fixture(f)
    for opts in range(4):
        write(script(opts, chunks))

sslv2 = bytes([0x80, 0x2b, 1, 3, 1, 0, 18, 0, 0, 0, 16, 7, 0, 0xc0, 0, 0, 0x39,
               0, 0, 0x35, 0, 0, 5, 1, 0, 0x80, 0, 0, 0xff]) + bytes(range(16))
write(script(0, [(0, sslv2)]))
hello = (b"\x03\x03" + b"\x11" * 32 + b"\x00" + b"\x00\x02\x13\x01" +
         b"\x01\x00" + b"\x00\x0b" + b"\x00\x2b\x00\x03\x02\x03\x04" +
         b"\x00\x00\x00\x00")
sh = (b"\x03\x03" + b"\x22" * 32 + b"\x00" + b"\x13\x01\x00" +
      b"\x00\x06\x00\x2b\x00\x02\x03\x04")
ch = record(22, handshake(1, hello), 0x0301)
write(script(0, [(0, ch), (1, record(21, b"\x02\x28"))]))
ee = handshake(8, b"\x00\x0b\x00\x10\x00\x07\x00\x05\x04smtp")
fin = handshake(20, b"\x01\x02")
write(script(1, [(0, ch),
                 (1, record(22, handshake(2, sh)) + record(20, b"\x01") +
                  protected(22, ee + fin) + protected(23, b"220 mx\r\n")),
                 (0, record(20, b"\x01") + protected(22, fin) +
                  protected(23, b"EHLO c\r\n"))]))
print("fuzz seeds: %d tls inputs" % n)
