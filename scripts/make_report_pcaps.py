#!/usr/bin/python3
"""make_report_pcaps.py OUTDIR - captures for the HTML report's tests
(tests/t_report_browser.sh), written to OUTDIR/edge/:

report-hostile.pcap: an SMTP and a POP3 session whose every field a peer
controls carries markup and script: greeting, EHLO name, AUTH user name
(PLAIN and USER), replies, MAIL FROM and RCPT TO paths, an unknown command
(its anomaly detail), the message's From/To/Subject/Message-ID/Received
headers, attachment names (Content-Type name and Content-Disposition
filename) and content, a queue id, a UIDL line; with U+2028, a bidi
override and a NUL among them.  Every script in it, if it ever ran, would
set window.__pwned (the test checks it stays undefined).

Deterministic (fixed addresses, sequence numbers and timestamps); uses the
Session builder of make_edge_pcaps.py.  Needs Debian's python3-scapy.
"""
import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_edge_pcaps import T0, Session, crlf, ether, write  # noqa: E402


def pwn(n):
    return b"<script>window.__pwned=%d</script>" % n


def img(n):
    return b"<img src=x onerror=\"window.__pwned=%d\">" % n


def message(n):
    """A message with hostile headers and a hostile attachment."""
    body = base64.b64encode(pwn(n + 9))
    return crlf(
        b"Received: from " + pwn(n) + b" (evil [203.0.113.9])",
        b"\tby <b>mx</b>" + img(n + 1) + b" with ESMTP id </script>x",
        b"From: \"" + img(n + 2) + b"\" <a@evil.test>",
        b"To: <iframe src=javascript:window.__pwned=" + b"%d" % (n + 3) +
        b"> <b@evil.test>",
        b"Subject: </script><script>window.__pwned=" + b"%d" % (n + 4) +
        b"</script> ls\xe2\x80\xa8 rlo\xe2\x80\xae <!-- end",
        b"Message-ID: <\"onmouseover=window.__pwned=" + b"%d" % (n + 5) +
        b"\"@evil>",
        b"MIME-Version: 1.0",
        b"Content-Type: multipart/mixed; boundary=\"b\"",
        b"",
        b"--b",
        b"Content-Type: text/plain",
        b"",
        b"hello " + pwn(n + 6),
        b"--b",
        b"Content-Type: text/html; name=\"<svg onload=window.__pwned=" +
        b"%d" % (n + 7) + b">.html\"",
        b"Content-Disposition: attachment; filename=\"<img src=x onerror="
        b"window.__pwned=%d>.html\"" % (n + 8),
        b"Content-Transfer-Encoding: base64",
        b"",
        body,
        b"--b--",
    )


def smtp():
    s = Session("192.0.2.66", "192.0.2.25", 40666, 25, t0=T0 + 100)
    user = base64.b64encode(b"\0" + pwn(20) + b"\0secret")
    return s.dialogue([
        (1, b"220 mx " + pwn(21) + b" ESMTP\r\n"),
        (0, b"EHLO " + img(22) + b"\r\n"),
        (1, crlf(b"250-mx <b>bold</b>", b"250-PIPELINING",
                 b"250 AUTH PLAIN LOGIN")),
        (0, b"AUTH PLAIN " + user + b"\r\n"),
        (1, b"535 5.7.8 <svg onload=window.__pwned=23> failed\r\n"),
        (0, b"MAIL FROM:<\"</script><script>window.__pwned=24</script>\""
            b"@evil.test>\r\n"),
        (1, b"250 ok\r\n"),
        (0, b"RCPT TO:<x\"><img/src=x/onerror=window.__pwned=25>@evil.test>"
            b"\r\n"),
        (1, b"250 ok\r\n"),
        (0, b"DATA\r\n"),
        (1, b"354 go " + img(26) + b"\r\n"),
        (0, message(30) + b".\r\n"),
        (1, b"250 2.0.0 queued as <script>window.__pwned=27</script>\r\n"),
        (0, pwn(28) + b" \x00 x\r\n"),
        (1, b"500 5.5.2 unrecognized " + img(29) + b"\r\n"),
        (0, b"QUIT\r\n"),
        (1, b"221 bye </html>\r\n"),
    ])


def pop3():
    s = Session("192.0.2.67", "192.0.2.110", 40667, 110, t0=T0 + 200)
    msg = message(50)
    return s.dialogue([
        (1, b"+OK " + pwn(40) + b"\r\n"),
        (0, b"USER " + img(41) + b"\r\n"),
        (1, b"+OK\r\n"),
        (0, b"PASS x\r\n"),
        (1, b"-ERR <b>denied</b> " + pwn(42) + b"\r\n"),
        (0, b"USER bob\r\n"),
        (1, b"+OK\r\n"),
        (0, b"PASS y\r\n"),
        (1, b"+OK\r\n"),
        (0, b"UIDL\r\n"),
        (1, crlf(b"+OK", b"1 " + pwn(43), b".")),
        (0, b"RETR 1\r\n"),
        (1, b"+OK %d octets\r\n" % len(msg) + msg + b".\r\n"),
        (0, b"QUIT\r\n"),
        (1, b"+OK bye " + img(44) + b"\r\n"),
    ])


def main():
    edge = os.path.join(sys.argv[1], "edge")
    os.makedirs(edge, exist_ok=True)
    pkts = []
    for s in (smtp(), pop3()):
        s.close()
        pkts += s.pkts
    pkts.sort(key=lambda p: p.time)
    write(os.path.join(edge, "report-hostile.pcap"), ether(pkts))


if __name__ == "__main__":
    main()
