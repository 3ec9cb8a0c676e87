#!/usr/bin/python3
"""keylog_clients.py SCENARIO KEYLOG EXPECT [ARGS] - the Python clients of
scripts/make_keylog_pcaps.sh: smtplib and poplib over TLS with
SSLContext.keylog_filename, each forced to a version and cipher suite.

Each scenario writes EXPECT, a JSON file of what it sent (commands in
order, the AUTH user, each message's sha256 as the server receives it and
its attachments' md5/sha256), which tests/t_tls_decrypt.sh compares with
mailscope's decryption.  The test account is mstest / mstest-pass.

Scenarios (the server is 127.0.0.1):
  smtp-starttls-tls13   587, STARTTLS, TLS 1.3 (AES-256-GCM: the client's
                        first choice), AUTH PLAIN, a message with an
                        attachment, a second message, QUIT
  smtps-tls12-chacha20  465 implicit TLS, TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305,
                        AUTH LOGIN, a message, QUIT
  smtp-starttls-tls12-cbc-noetm
                        25, STARTTLS, TLS 1.2 AES256-SHA (RSA key exchange,
                        CBC with HMAC-SHA1) with encrypt_then_mac refused,
                        AUTH PLAIN, a message, QUIT
  smtps-resumed VERSION 465 twice, the second connection resuming the
                        first's session (VERSION 1.2: session ticket or id,
                        same master secret; 1.3: PSK), a message each
  pop3-stls-tls12-gcm   110, STLS, TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256,
                        USER/PASS, STAT, LIST, RETR 1, QUIT
"""
import base64
import hashlib
import json
import poplib
import smtplib
import ssl
import sys

USER, PASSWORD = "mstest", "mstest-pass"
TO = "mstest@mail.example.test"
HOST = "127.0.0.1"
# OpenSSL's SSL_OP_NO_ENCRYPT_THEN_MAC (ssl.h), which Python does not name
OP_NO_ENCRYPT_THEN_MAC = 1 << 19


def attachment():
    """A deterministic attachment: 3000 bytes of a little PRNG."""
    x, out = 7, bytearray()
    for _ in range(3000):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out.append(x >> 16 & 0xFF)
    return bytes(out)


def message(subject, with_attachment=True):
    """A message with CRLF line endings, as the server receives it."""
    lines = [
        "From: TLS tester <tls@example.test>",
        "To: %s" % TO,
        "Subject: %s" % subject,
        "Message-ID: <%s@example.test>" % hashlib.md5(subject.encode()).hexdigest(),
        "MIME-Version: 1.0",
    ]
    att = attachment()
    if not with_attachment:
        lines += ["Content-Type: text/plain", "", "over TLS", ".a line with a dot", ""]
        return "\r\n".join(lines).encode(), []
    b64 = base64.encodebytes(att).decode().replace("\n", "\r\n").rstrip("\r\n")
    lines += [
        'Content-Type: multipart/mixed; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain",
        "",
        "The attachment is 3000 bytes of noise.",
        ".a line with a dot",
        "--b1",
        'Content-Type: application/octet-stream; name="noise.bin"',
        'Content-Disposition: attachment; filename="noise.bin"',
        "Content-Transfer-Encoding: base64",
        "",
        b64,
        "--b1--",
        "",
    ]
    atts = [{"filename": "noise.bin", "md5": hashlib.md5(att).hexdigest(),
             "sha256": hashlib.sha256(att).hexdigest(), "bytes": len(att)}]
    return "\r\n".join(lines).encode(), atts


class Expect:
    def __init__(self, path):
        self.path = path
        self.sessions = []

    def session(self, **kw):
        s = dict(kw, commands=[], messages=[])
        self.sessions.append(s)
        return s

    def write(self):
        with open(self.path, "w") as f:
            json.dump({"sessions": self.sessions}, f, indent=1)
            f.write("\n")


def context(keylog, version, ciphers=None, no_etm=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.keylog_filename = keylog
    ctx.minimum_version = ctx.maximum_version = version
    if ciphers:
        ctx.set_ciphers(ciphers)
    if no_etm:
        ctx.options |= OP_NO_ENCRYPT_THEN_MAC
    return ctx


def send(s, exp, subject, with_attachment=True):
    msg, atts = message(subject, with_attachment)
    s.sendmail("tls@example.test", [TO], msg)
    exp["commands"] += ["MAIL", "RCPT", "DATA"]
    exp["messages"].append({"sha256": hashlib.sha256(msg).hexdigest(),
                            "bytes": len(msg), "attachments": atts})


def login(s, exp, mechanism):
    s.ehlo_or_helo_if_needed()
    s.user, s.password = USER, PASSWORD
    s.auth(mechanism, getattr(s, "auth_" + mechanism.lower().replace("-", "_")))
    exp["commands"].append("AUTH")
    exp["auth_user"] = USER
    exp["auth_mechanism"] = mechanism


def smtp_starttls(port, ctx, exp, mechanism, subjects):
    s = smtplib.SMTP(HOST, port, local_hostname="client.example.test")
    s.ehlo()
    s.starttls(context=ctx)
    s.ehlo()
    exp["commands"] += ["EHLO", "STARTTLS", "EHLO"]
    login(s, exp, mechanism)
    for i, subj in enumerate(subjects):
        send(s, exp, subj, with_attachment=i == 0)
    s.quit()
    exp["commands"].append("QUIT")


class ResumingSMTP(smtplib.SMTP_SSL):
    """SMTP_SSL that offers a saved TLS session."""

    session = None

    def _get_socket(self, host, port, timeout):
        import socket
        raw = socket.create_connection((host, port), timeout)
        return self.context.wrap_socket(raw, server_hostname=host,
                                        session=self.session)


def smtps(ctx, exp, mechanism, subject, session=None):
    ResumingSMTP.session = session
    s = ResumingSMTP(HOST, 465, local_hostname="client.example.test",
                     context=ctx)
    s.ehlo()
    exp["commands"].append("EHLO")
    login(s, exp, mechanism)
    send(s, exp, subject, with_attachment=False)
    saved = s.sock.session  # TLS 1.3: the tickets have arrived by now
    exp["resumed"] = s.sock.session_reused
    s.quit()
    exp["commands"].append("QUIT")
    return saved


def pop3_stls(ctx, exp):
    p = poplib.POP3(HOST, 110)
    p.capa()
    p.stls(context=ctx)
    p.user(USER)
    p.pass_(PASSWORD)
    p.stat()
    p.list()
    p.retr(1)
    p.quit()
    # poplib's stls() sends CAPA itself first (to see STLS offered)
    exp["commands"] += ["CAPA", "CAPA", "STLS", "USER", "PASS", "STAT", "LIST",
                        "RETR", "QUIT"]
    exp["auth_user"] = USER


def main():
    scenario, keylog, expect = sys.argv[1:4]
    e = Expect(expect)
    v12, v13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
    if scenario == "smtp-starttls-tls13":
        smtp_starttls(587, context(keylog, v13),
                      e.session(port=587, tls="TLSv1.3"), "PLAIN",
                      ["TLS 1.3 with an attachment", "TLS 1.3, a second message"])
    elif scenario == "smtps-tls12-chacha20":
        smtps(context(keylog, v12, "ECDHE-RSA-CHACHA20-POLY1305"),
              e.session(port=465, tls="TLSv1.2", cipher=0xCCA8), "LOGIN",
              "TLS 1.2 ChaCha20-Poly1305")
    elif scenario == "smtp-starttls-tls12-cbc-noetm":
        smtp_starttls(25, context(keylog, v12, "AES256-SHA", no_etm=True),
                      e.session(port=25, tls="TLSv1.2", cipher=0x0035,
                                encrypt_then_mac=False),
                      "PLAIN", ["TLS 1.2 CBC without encrypt_then_mac"])
    elif scenario == "smtps-resumed":
        version = v13 if sys.argv[4] == "1.3" else v12
        ctx = context(keylog, version,
                      None if version == v13 else "ECDHE-RSA-AES256-GCM-SHA384")
        first = e.session(port=465, tls=str(version.name))
        saved = smtps(ctx, first, "PLAIN", "the first connection")
        second = e.session(port=465, tls=str(version.name))
        smtps(ctx, second, "PLAIN", "the resumed connection", session=saved)
        if not second["resumed"]:
            sys.exit("keylog_clients.py: the session was not resumed")
    elif scenario == "pop3-stls-tls12-gcm":
        pop3_stls(context(keylog, v12, "ECDHE-RSA-AES128-GCM-SHA256"),
                  e.session(port=110, tls="TLSv1.2", cipher=0xC02F))
    else:
        sys.exit("keylog_clients.py: unknown scenario " + scenario)
    e.write()


if __name__ == "__main__":
    main()
