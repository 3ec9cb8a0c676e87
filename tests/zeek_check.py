#!/usr/bin/python3
"""zeek_check.py FILE... - check mailscope --format zeek records against the
column names and types of Zeek's SMTP::Info (smtp.log) as Zeek's JSON
writer prints them: every key must be an smtp.log column (or is_webmail,
from Zeek's policy script protocols/smtp/software), with the JSON form of
its Zeek type (time: epoch seconds number, count/port: integer, addr: IP
address string, set/vector: array); uid, id.* and trans_depth always set."""
import ipaddress
import json
import sys

COLUMNS = {
    "ts": "time", "uid": "string", "id.orig_h": "addr", "id.orig_p": "port",
    "id.resp_h": "addr", "id.resp_p": "port", "trans_depth": "count",
    "helo": "string", "mailfrom": "string", "rcptto": "set[string]",
    "date": "string", "from": "string", "to": "set[string]",
    "cc": "set[string]", "reply_to": "string", "msg_id": "string",
    "in_reply_to": "string", "subject": "string", "x_originating_ip": "addr",
    "first_received": "string", "second_received": "string",
    "last_reply": "string", "path": "vector[addr]", "user_agent": "string",
    "tls": "bool", "fuids": "vector[string]", "is_webmail": "bool",
}
REQUIRED = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p",
            "trans_depth", "tls"]


def addr(v):
    if not isinstance(v, str):
        return False
    try:
        ipaddress.ip_address(v)
        return True
    except ValueError:
        return False


def type_ok(kind, v):
    if kind.startswith(("set[", "vector[")):
        inner = kind[kind.index("[") + 1:-1]
        return isinstance(v, list) and v and all(type_ok(inner, x) for x in v)
    if kind == "time":
        return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
    if kind in ("count", "port"):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0 and \
            (kind == "count" or v <= 65535)
    if kind == "addr":
        return addr(v)
    if kind == "bool":
        return isinstance(v, bool)
    return isinstance(v, str)


def main():
    records, errors = 0, []
    for path in sys.argv[1:]:
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            records += 1
            rec = json.loads(line)
            where = "%s:%d" % (path, n)
            for k in REQUIRED:
                if k not in rec:
                    errors.append("%s: %s missing" % (where, k))
            for k, v in rec.items():
                kind = COLUMNS.get(k)
                if kind is None:
                    errors.append("%s: %s is not an smtp.log column" % (where, k))
                elif not type_ok(kind, v):
                    errors.append("%s: %s=%r is not a %s" % (where, k, v, kind))
            if rec.get("trans_depth", 1) < 1:
                errors.append("%s: trans_depth < 1" % where)
            p = rec.get("path", [])
            if p[:2] != [rec.get("id.resp_h"), rec.get("id.orig_h")]:
                errors.append("%s: path does not start resp_h, orig_h" % where)
    for e in errors[:50]:
        print(e)
    print("zeek: %d records, %d errors" % (records, len(errors)))
    return 1 if errors or not records else 0


if __name__ == "__main__":
    sys.exit(main())
