#!/usr/bin/python3
"""zeek_check.py [--log PATH] FILE... - check Zeek JSON records (--format
zeek-json, --zeek-dir with --format zeek-json) against the columns of the
log PATH (smtp by default; tests/zeek_fields.py, from Zeek's base scripts)
as Zeek's JSON writer prints them: every key is a column of the log, with
the JSON form of its Zeek type (time/interval: a number of seconds,
count/port: an integer, addr: an IP address string, bool: true/false,
set/vector: an array); ts, uid and the id.* fields always set."""
import ipaddress
import json
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import zeek_fields  # noqa: E402

REQUIRED = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"]


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
        return isinstance(v, list) and all(type_ok(inner, x) for x in v)
    if kind in ("time", "interval", "double"):
        return isinstance(v, (int, float)) and not isinstance(v, bool) and \
            (kind != "time" or v >= 0)
    if kind in ("count", "port"):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0 and \
            (kind == "count" or v <= 65535)
    if kind == "int":
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == "addr":
        return addr(v)
    if kind == "bool":
        return isinstance(v, bool)
    return isinstance(v, str)


def main():
    args = sys.argv[1:]
    log = "smtp"
    if args[:1] == ["--log"]:
        log, args = args[1], args[2:]
    columns = dict(zeek_fields.columns(log, sensor=True))
    records, errors = 0, []
    for path in args:
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            records += 1
            rec = json.loads(line)
            where = "%s:%d" % (path, n)
            for k in REQUIRED + (["trans_depth", "tls"] if log == "smtp"
                                 else []):
                if k not in rec:
                    errors.append("%s: %s missing" % (where, k))
            for k, v in rec.items():
                kind = columns.get(k)
                if kind is None:
                    errors.append("%s: %s is not a %s.log column" %
                                  (where, k, log))
                elif not type_ok(kind, v):
                    errors.append("%s: %s=%r is not a %s" % (where, k, v, kind))
            if log == "smtp":
                if rec.get("trans_depth", 1) < 1:
                    errors.append("%s: trans_depth < 1" % where)
                p = rec.get("path", [])
                if p[:2] != [rec.get("id.resp_h"), rec.get("id.orig_h")]:
                    errors.append("%s: path does not start resp_h, orig_h" %
                                  where)
    for e in errors[:50]:
        print(e)
    print("zeek %s: %d records, %d errors" % (log, records, len(errors)))
    return 1 if errors or (log == "smtp" and not records) else 0


if __name__ == "__main__":
    sys.exit(main())
