"""common.py - what every reference comparison shares: mailscope's output
for a capture (run once, cached), the fact being compared, and the
matching of a reference's connection to mailscope's session.

A fact is one value both sides state and mean the same way (docs say what
each reference field means: pcaps/README.md, ../shared/corpus/INDEX.md).
Its key names the reference, the capture and the place (stable over runs);
its id adds a digest of both values, so that an explanation recorded in
pcaps/DIFFERENCES.md holds for exactly the values it was written for.
"""
import calendar
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time

AGREE, DISAGREE, PENDING = "agree", "disagree", "not yet produced"

# What an absent value prints as.
ABSENT = "(absent)"


def json_lines(text):
    """Records of JSON lines: split at "\n" only (splitlines() also splits
    at U+2028, U+0085 and others that a JSON string may hold raw)."""
    return [json.loads(l) for l in text.split("\n") if l]


class Fact:
    def __init__(self, ref, capture, where, theirs, ours, pending=False):
        self.ref = ref
        self.capture = os.path.basename(capture)
        self.where = where
        self.theirs = theirs
        self.ours = ours
        if pending:
            self.status = PENDING
        else:
            self.status = AGREE if theirs == ours else DISAGREE

    @property
    def key(self):
        """ref:capture:where, printable, without the table's `|` and the
        backquote, at most 160 characters (the digest of the id tells
        apart what this shortens)."""
        where = "".join(c if " " <= c <= "~" and c not in "|`" else "?"
                        for c in self.where)[:120]
        return "%s:%s:%s" % (self.ref, self.capture, where)

    @property
    def id(self):
        both = json.dumps([self.theirs, self.ours], sort_keys=True,
                          ensure_ascii=False)
        digest = hashlib.sha1(both.encode("utf-8")).hexdigest()[:8]
        return "%s@%s" % (self.key, digest)


def show(v, width=70):
    """A value as one table cell: absent, or JSON, shortened."""
    if v is None:
        return ABSENT
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    text = text.replace("|", "\\|").replace("\n", "\\n").replace("`", "'")
    return text if len(text) <= width else text[:width - 1] + "\u2026"


def keylog_of(path):
    """The key log beside a capture (pcaps/tls/NAME.keylog), or None: its
    TLS sessions are compared decrypted, by mailscope and by tshark."""
    k = os.path.splitext(path)[0] + ".keylog"
    return k if os.path.exists(k) else None


class Ours:
    """mailscope's view of each capture, computed once: NDJSON sessions,
    --format zeek-json records, and the sha1/md5 of every extracted
    attachment."""

    def __init__(self, binary):
        self.binary = binary
        self.cache = {}

    def _run(self, args):
        path = args[args.index("-r") + 1] if "-r" in args else ""
        k = keylog_of(path)
        args = (["--tls-keylog", k] if k else []) + args
        return subprocess.run([self.binary, "-q"] + args, capture_output=True,
                              text=True, errors="surrogateescape",
                              check=False).stdout

    def sessions(self, path):
        key = ("json", path)
        if key not in self.cache:
            self.cache[key] = json_lines(self._run(["-J", "-r", path]))
        return self.cache[key]

    def zeek(self, path):
        key = ("zeek", path)
        if key not in self.cache:
            self.cache[key] = json_lines(self._run(
                ["--format", "zeek-json", "-r", path]))
        return self.cache[key]

    def extracted(self, path):
        """{(session uid, label, attachment index): {"sha1", "md5", "size"}}
        from --extract-dir (file names: docs/json.md, extract.c)."""
        key = ("extract", path)
        if key in self.cache:
            return self.cache[key]
        out = {}
        tmp = tempfile.mkdtemp(prefix="ms-compare-")
        try:
            self._run(["--extract-dir", tmp, "-r", path])
            for root, _, files in os.walk(tmp):
                for name in files:
                    data = open(os.path.join(root, name), "rb").read()
                    out[name] = {"sha1": hashlib.sha1(data).hexdigest(),
                                 "md5": hashlib.md5(data).hexdigest(),
                                 "size": len(data)}
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.cache[key] = out
        return out


def endpoints(s):
    """A session's (client ip, client port, server ip, server port)."""
    return (s["client"]["ip"], s["client"]["port"], s["server"]["ip"],
            s["server"]["port"])


def find_session(sessions, client_port, server_port, client_ip=None):
    """The session of a connection named by its ports (and client IP)."""
    for s in sessions:
        c_ip, c_port, _, s_port = endpoints(s)
        if c_port == client_port and s_port == server_port and \
                (client_ip is None or c_ip == client_ip):
            return s
    return None


def messages(s):
    """Every message of a session, in order: SMTP transactions' bodies and
    POP3 retrievals, with the transaction (or None)."""
    out = []
    for t in s.get("transactions", []):
        if "message" in t:
            out.append((t, t["message"]))
    for m in s.get("messages", []):
        if "message" in m:
            out.append((None, m["message"]))
    return out


def find_key(obj, names):
    """The first value under one of `names`, searched depth first through
    the record: how TLS facts find the fields the TLS work will add,
    whatever object it puts them in.  None when there is none."""
    if isinstance(obj, dict):
        for n in names:
            if n in obj and not isinstance(obj[n], (dict, list)):
                return obj[n]
        for v in obj.values():
            found = find_key(v, names)
            if found is not None:
                return found
    elif isinstance(obj, list):
        for v in obj:
            found = find_key(v, names)
            if found is not None:
                return found
    return None


def tls_fact(ref, capture, where, theirs, session, names, norm=str.lower):
    """A TLS fact: compared once mailscope produces a field named like one
    of `names` (issue 15), 'not yet produced' until then."""
    ours = find_key(session, names) if session else None
    if ours is None:
        return Fact(ref, capture, where, theirs, None, pending=True)
    return Fact(ref, capture, where, norm(str(theirs)), norm(str(ours)))


def micros(ts):
    """An RFC 3339 timestamp of ours ("2026-11-22T10:00:00.123456Z") as
    integer microseconds since the epoch."""
    whole, frac = ts.rstrip("Z").split(".")
    t = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return t * 1000000 + int(frac)


def seconds(ts):
    """The same as a "%.6f" string of epoch seconds."""
    us = micros(ts)
    return "%d.%06d" % (us // 1000000, us % 1000000)


def reply_word(r):
    """An SMTP reply's code or a POP3 response's status (+OK, -ERR), as
    text: -J writes POP3's in `status` (one type per field)."""
    return str(r["code"]) if "code" in r else str(r.get("status"))


def reply_codes(s):
    """Every reply of a session once: the greeting, the replies to
    commands, and the replies to message bodies sent with DATA (a BDAT
    LAST's reply is already its command's)."""
    codes = []
    if "banner" in s:
        codes.append("220" if s["proto"] == "smtp" else "+OK")
    for c in s["commands"]:
        if c.get("reply"):
            codes.append(reply_word(c["reply"]))
    # a transaction's DATA lies before the next transaction holding a
    # message: a refused MAIL between them (503 nested MAIL) is a
    # transaction of its own, while the DATA after it is the first one's
    txs = s.get("transactions", [])
    for i, t in enumerate(txs):
        later = [u["ts"] for u in txs[i + 1:] if "message" in u]
        end = later[0] if later else "~"
        by_data = any(c["verb"] == "DATA" and c.get("reply", {}).get("code")
                      == 354 and t["ts"] <= c["ts"] < end
                      for c in s["commands"])
        if by_data and "message" in t and "reply" in t:
            codes.append(reply_word(t["reply"]))
    return codes
