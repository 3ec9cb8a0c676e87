#!/usr/bin/python3
"""make_tls_handshakes.py - write bench/tls_handshakes.h: the handshake
flights of two real STARTTLS sessions of pcaps/real/tls-smtp-versions.pcap
(made by scripts/make_tls_pcaps.sh) for bench/gen_capture.c: tcp.stream 0,
TLS 1.2 ECDHE-RSA AES-128-GCM with a two-certificate chain (the four
segments from the ClientHello to the server's Finished), and tcp.stream 3,
TLS 1.3 ChaCha20-Poly1305 (the ClientHello, the server's flight, the
client's ChangeCipherSpec and Finished).  Run again when that capture is
made again."""
import subprocess

CAP = "pcaps/real/tls-smtp-versions.pcap"


def flights(stream, first, count):
    rows = subprocess.run(
        ["tshark", "-r", CAP, "-Y", "tcp.stream==%d && tcp.len>0" % stream,
         "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.payload"],
        capture_output=True, text=True, check=True).stdout.split("\n")
    rows = [r.split("\t") for r in rows if r.strip()][first:first + count]
    return [(1 if int(p) == 25 else 0, bytes.fromhex(h.replace(":", "")))
            for p, h in rows]


def emit(f, name, fl):
    f.write("static const tls_flight %s[] = {\n" % name)
    for d, data in fl:
        f.write("    {%d, %d,\n     \"" % (d, len(data)))
        for i, b in enumerate(data):
            if i and i % 18 == 0:
                f.write("\"\n     \"")
            f.write("\\x%02x" % b)
        f.write("\"},\n")
    f.write("};\n\n")


with open("bench/tls_handshakes.h", "w") as f:
    f.write("/* tls_handshakes.h - written by bench/make_tls_handshakes.py: real\n"
            " * TLS handshakes (" + CAP + ") for gen_capture.c.\n"
            " * Each flight: direction (0 client, 1 server), length, bytes. */\n"
            "typedef struct {\n  int dir;\n  int len;\n  const char *bytes;\n} tls_flight;\n\n")
    emit(f, "tls12_handshake", flights(0, 5, 4))
    emit(f, "tls13_handshake", flights(3, 5, 3))
