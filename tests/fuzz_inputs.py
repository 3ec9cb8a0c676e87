#!/usr/bin/python3
"""fuzz_inputs.py DIR N - write N deterministic hostile inputs for the
dissector harness (fuzz/fuzz_dissector.c chunk script format: a control byte
per chunk: bit 0 direction (1 = server), bit 1 gap notice, bits 2-7 length-1)."""
import os
import random
import sys

SMTP = [
    (1, b"220 mx.example.test ESMTP ready\r\n"),
    (0, b"EHLO client.example\r\n"),
    (1, b"250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250 CHUNKING\r\n"),
    (0, b"AUTH LOGIN\r\n"), (1, b"334 VXNlcm5hbWU6\r\n"), (0, b"YWxpY2U=\r\n"),
    (1, b"334 UGFzc3dvcmQ6\r\n"), (0, b"c2VjcmV0\r\n"), (1, b"235 2.7.0 ok\r\n"),
    (0, b"MAIL FROM:<a@example.test> SIZE=10\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"),
    (1, b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n"),
    (0, b"From: A <a@example.test>\r\nSubject: =?utf-8?B?aMOp?=\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\n..hi\r\n--X\r\nContent-Disposition: attachment; filename*0*=utf-8''a%20b; filename*1=.txt\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--X--\r\n.\r\n"),
    (1, b"250 2.0.0 Ok: queued as 4ABC\r\n"),
    (0, b"BDAT 5\r\nhello"), (0, b"BDAT 0 LAST\r\n"), (1, b"250 ok\r\n250 ok\r\n"),
    (0, b"STARTTLS\r\n"), (1, b"220 go\r\n"), (0, b"\x16\x03\x01\x00\x05hello"),
]
POP3 = [
    (1, b"+OK POP3 ready <1.2@host>\r\n"), (0, b"CAPA\r\n"),
    (1, b"+OK\r\nUSER\r\nPIPELINING\r\nSASL PLAIN\r\n.\r\n"),
    (0, b"USER bob\r\nPASS x\r\n"), (1, b"+OK\r\n-ERR [AUTH] no\r\n"),
    (0, b"AUTH PLAIN\r\n"), (1, b"+ \r\n"), (0, b"AGJvYgBzZWNyZXQ=\r\n"), (1, b"+OK\r\n"),
    (0, b"STAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 1 0\r\nDELE 1\r\n"),
    (1, b"+OK 1 20\r\n+OK\r\n1 20\r\n.\r\n+OK\r\n1 u1\r\n.\r\n+OK\r\nSubject: x\r\n\r\n..dot\r\n.\r\n+OK\r\nSubject: x\r\n\r\n.\r\n+OK\r\n"),
    (0, b"QUIT\r\n"), (1, b"+OK bye\r\n"),
]


def script(chunks, rnd):
    out = bytearray()
    for direction, data in chunks:
        i = 0
        while i < len(data):
            n = min(len(data) - i, rnd.randint(1, 64))
            ctl = ((n - 1) << 2) | direction
            if rnd.random() < 0.02:
                ctl |= 2
            out.append(ctl)
            out += data[i:i + n]
            i += n
    return bytes(out)


def mutate(data, rnd):
    data = bytearray(data)
    for _ in range(rnd.randint(1, 12)):
        op = rnd.random()
        if not data:
            break
        pos = rnd.randrange(len(data))
        if op < 0.4:
            data[pos] = rnd.randrange(256)
        elif op < 0.6:
            del data[pos:pos + rnd.randint(1, 16)]
        elif op < 0.8:
            data[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16)))
        else:
            data[pos:pos] = rnd.choice([b"\r\n", b"\n", b".\r\n", b"\r\n.\r\n", b"334 ", b"+ ", b"-ERR ", b"250-", b"BDAT 99999999999999999999\r\n", b"A" * 300])
    return bytes(data)


def main():
    outdir, count = sys.argv[1], int(sys.argv[2])
    os.makedirs(outdir, exist_ok=True)
    rnd = random.Random(20261122)
    for i in range(count):
        kind = i % 4
        if kind == 0:
            data = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 2000)))
        else:
            base = script(POP3 if kind == 2 or (kind == 3 and i % 8 == 3) else SMTP, rnd)
            data = mutate(base, rnd) if kind == 3 or rnd.random() < 0.7 else base
        with open(os.path.join(outdir, "in%04d" % i), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
