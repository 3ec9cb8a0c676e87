#!/usr/bin/python3
"""secrets_check.py MAILSCOPE SECRETS CAPTURE... - run every capture through
every output of mailscope (transcript with timestamps, -J with stats, ECS,
Zeek, the HTML report, --transcript-dir, --json-file, the text stats)
without --show-secrets and report each secret of SECRETS (tests/secrets.txt)
that appears in any of them.  Message bodies (--full-bodies, extracted
files) are the messages' own text, not the session's credentials: ordinary
words among the test passwords ("wrong", "whatever") occur in them.  Prints "secrets found: N" and exits 1 when N
is not 0."""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile


def load(path):
    users, secrets, blobs = [], [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        kind, _, value = line.partition(" ")
        {"user": users, "secret": secrets, "blob": blobs}[kind].append(value)
    return users, secrets, blobs


def forms(users, secrets, blobs):
    """(what to look for, which secret it shows) pairs."""
    b64 = lambda s: base64.b64encode(s.encode("latin-1")).decode()
    out = [(b, b) for b in blobs]
    for s in secrets:
        out += [(s, s), (b64(s), s)]
        for u in users:
            out += [(b64("\0%s\0%s" % (u, s)), s),
                    (b64("%s\0%s\0%s" % (u, u, s)), s),
                    (b64("user=%s\x01auth=Bearer %s\x01\x01" % (u, s)), s)]
    return out


def keylog_of(capture):
    """--tls-keylog NAME.keylog when the capture has one beside it (pcaps/tls):
    its sessions are decrypted, so their credentials are decoded too."""
    keylog = os.path.splitext(capture)[0] + ".keylog"
    return ["--tls-keylog", keylog] if os.path.exists(keylog) else []


def report_values(html):
    """The string values of the report's JSON data blocks, one per line: what
    the report shows of the capture.  Its own script and styles, and the
    data's keys ("pw" is the password's), are the page's, not the wire's."""
    out = []

    def walk(v):
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    for block in re.findall(
            r'<script type="application/json"[^>]*>(.*?)</script>', html,
            re.S):
        walk(json.loads(block))
    return "\n".join(out)


def outputs(binary, capture, tmp):
    """Every output of one capture, as (name, text)."""
    keys = keylog_of(capture)
    runs = [("transcript", ["--timestamps", "--stats"]),
            ("json", ["-J", "--stats"]),
            ("ecs", ["--format", "ecs"]),
            ("zeek", ["--format", "zeek"])]
    for name, flags in runs:
        r = subprocess.run([binary, "-q"] + keys + flags + ["-r", capture],
                           capture_output=True, check=False)
        yield name, (r.stdout + r.stderr).decode("utf-8", "replace")
    report = os.path.join(tmp, "report.html")
    tdir = os.path.join(tmp, "transcripts")
    os.makedirs(tdir, exist_ok=True)
    subprocess.run([binary, "-q"] + keys + ["--report", report, "--transcript-dir",
                    tdir, "--json-file", os.path.join(tmp, "j.ndjson"),
                    "-r", capture], capture_output=True, check=False)
    for path, name in [(report, "report")] + [
            (os.path.join(tdir, f), "transcript-dir")
            for f in sorted(os.listdir(tdir))] + [
            (os.path.join(tmp, "j.ndjson"), "json-file")]:
        if os.path.exists(path):
            text = open(path, encoding="utf-8", errors="replace").read()
            yield name, report_values(text) if name == "report" else text
            os.remove(path)


def main():
    binary, listing, captures = sys.argv[1], sys.argv[2], sys.argv[3:]
    looks = [(re.compile(r"(?<![A-Za-z0-9_])" + re.escape(f) +
                         r"(?![A-Za-z0-9_])"), f, s)
             for f, s in forms(*load(listing))]
    found = 0
    with tempfile.TemporaryDirectory() as tmp:
        for capture in captures:
            for name, text in outputs(binary, capture, tmp):
                for rx, form, secret in looks:
                    n = len(rx.findall(text))
                    if n:
                        found += n
                        print("%s: %s shows %s (as %s) %d time(s)" %
                              (capture, name, secret, form, n))
    print("secrets found: %d in %d captures" % (found, len(captures)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
