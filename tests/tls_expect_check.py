#!/usr/bin/env python3
"""tls_expect_check.py - a decrypted capture against what its client sent.

Usage: tls_expect_check.py MAILSCOPE CAPTURE KEYLOG|- EXPECT.json

Runs mailscope -J with the key log (and --extract-dir), then checks each
session against EXPECT.json (written by scripts/make_keylog_pcaps.sh):
both directions decrypted, the commands in order, the AUTH user with the
password redacted, each message's sha256 (NDJSON and the extracted .eml
agree; header lines a client adds itself, "added_headers", are taken off
the top before comparing) and its attachments' md5/sha256.  Prints one
line per session; exit 0 when all match, 1 otherwise.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile


def strip_added(data, names):
    """The message without the header lines `names` its client put first."""
    for name in names:
        prefix = name.encode() + b":"
        if data.startswith(prefix):
            data = data[data.index(b"\n") + 1:]
    return data


def check_session(d, x, extracted):
    bad = []
    dec = d.get("tls_handshake", {}).get("decrypted", {})
    if not (dec.get("client") and dec.get("server")):
        bad.append("not decrypted both ways: %r" % dec)
    cmds = [c.get("verb", "").upper() for c in d.get("commands", [])]
    if cmds != [c.upper() for c in x["commands"]]:
        bad.append("commands %r, expected %r" % (cmds, x["commands"]))
    auth = d.get("auth", {})
    if auth.get("username") != x.get("auth_user"):
        bad.append("auth user %r" % auth.get("username"))
    if auth.get("password") != "<redacted>":
        bad.append("password not redacted")
    msgs = [t["message"] for t in d.get("transactions", []) if t.get("message")]
    want = x.get("messages", [])
    if d.get("proto") == "smtp" and len(msgs) != len(want):
        bad.append("%d messages, expected %d" % (len(msgs), len(want)))
    for i, (m, w) in enumerate(zip(msgs, want)):
        eml = extracted.get((d["uid"], i + 1))
        if eml is None or hashlib.sha256(eml).hexdigest() != m.get("sha256"):
            bad.append("message %d: extracted file differs from the record" % (i + 1))
            continue
        sent = strip_added(eml, w.get("added_headers", []))
        if hashlib.sha256(sent).hexdigest() != w["sha256"]:
            bad.append("message %d: sha256 differs from what was sent" % (i + 1))
        got = [(a.get("md5"), a.get("sha256")) for a in m.get("attachments", [])]
        exp = [(a["md5"], a["sha256"]) for a in w.get("attachments", [])]
        if got != exp:
            bad.append("message %d: attachments %r" % (i + 1, got))
    return bad


def main():
    binary, cap, keys, expect = sys.argv[1:5]
    with tempfile.TemporaryDirectory() as tmp:
        args = [binary, "-q", "-J", "-r", cap, "--extract-dir", tmp]
        if keys != "-":
            args += ["--tls-keylog", keys]
        out = subprocess.run(args, capture_output=True, check=True).stdout
        extracted = {}
        for name in os.listdir(tmp):  # UID-tN.eml
            stem, ext = os.path.splitext(name)
            uid, _, t = stem.rpartition("-t")
            if ext == ".eml" and t.isdigit():
                with open(os.path.join(tmp, name), "rb") as f:
                    extracted[(uid, int(t))] = f.read()
    sessions = [json.loads(l) for l in out.splitlines() if l.strip()]
    sessions = [s for s in sessions if s.get("event") == "session"]
    with open(expect) as f:
        want = json.load(f)["sessions"]
    ok = len(sessions) == len(want)
    if not ok:
        print("FAIL %s: %d sessions, expected %d" % (cap, len(sessions), len(want)))
    for i, (d, x) in enumerate(zip(sessions, want)):
        bad = check_session(d, x, extracted)
        print("%s %s session %d%s" % ("FAIL" if bad else "ok  ", cap, i + 1,
                                      ": " + "; ".join(bad) if bad else ""))
        ok &= not bad
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
