#!/usr/bin/python3
"""zeek_tsv.py - read Zeek TSV logs the way zeek-cut does, strictly.

  zeek_tsv.py check LOG...        check every file: the header lines in
                                  Zeek's order (#separator \\x09 first, then
                                  #set_separator, #empty_field, #unset_field,
                                  #path, #open, #fields, #types), #close at
                                  the end, every row with one value per
                                  field, each value valid for its #types
                                  type, and the #fields/#types of the log
                                  equal to Zeek's base scripts' columns
                                  (zeek_fields.py)
  zeek_tsv.py cut LOG FIELD...    print those columns, tab-separated, one
                                  row a line (as zeek-cut FIELD... < LOG)

Like zeek-cut, the separator comes from the #separator line and columns
are found by name in #fields; a file may hold several header blocks."""
import ipaddress
import re
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import zeek_fields  # noqa: E402

STAMP = re.compile(r"^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$")
ESCAPE = re.compile(r"\\x[0-9a-f]{2}")


class Log:
    def __init__(self):
        self.blocks = []  # (meta, fields, types, rows, closed)


def unescape_ok(text):
    """Only \\xHH escapes, no raw control byte or backslash otherwise."""
    rest = ESCAPE.sub("", text)
    return "\\" not in rest and not any(ord(c) < 0x20 for c in rest)


def value_ok(kind, v, meta):
    if v == meta["unset_field"]:
        return True
    if kind.startswith(("set[", "vector[")):
        if v == meta["empty_field"]:
            return True
        inner = kind[kind.index("[") + 1:-1]
        return all(value_ok(inner, e, meta) or e == meta["empty_field"]
                   for e in v.split(meta["set_separator"]))
    if kind in ("time", "interval", "double"):
        return re.match(r"^-?\d+\.\d{6}$", v) is not None
    if kind in ("count", "port"):
        return v.isdigit() and (kind == "count" or int(v) <= 65535)
    if kind == "int":
        return re.match(r"^-?\d+$", v) is not None
    if kind == "bool":
        return v in ("T", "F")
    if kind == "addr":
        try:
            ipaddress.ip_address(v)
            return True
        except ValueError:
            return False
    return unescape_ok(v)


def read(path, errors):
    """Parse one file; header problems go to errors."""
    log, meta, fields, types, rows = Log(), None, None, None, []
    order = ["separator", "set_separator", "empty_field", "unset_field",
             "path", "open", "fields", "types"]
    seen = []
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        errors.append("%s: not UTF-8" % path)
        return log
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "%s:%d" % (path, n)
        if line.startswith("#separator "):
            if meta is not None and rows and not seen[-1:] == ["close"]:
                errors.append("%s: new header before #close" % where)
            meta, fields, types, rows, seen = {}, None, None, [], []
            sep = line[len("#separator "):]
            if sep != "\\x09":
                errors.append("%s: separator %r" % (where, sep))
            meta["sep"] = "\t"
            seen.append("separator")
            continue
        if meta is None:
            errors.append("%s: data before #separator" % where)
            return log
        if line.startswith("#"):
            key, _, val = line[1:].partition(meta["sep"])
            seen.append(key)
            if key == "close":
                if not STAMP.match(val):
                    errors.append("%s: #close %r" % (where, val))
                if seen[:8] != order:
                    errors.append("%s: header lines %r" % (where, seen[:8]))
                log.blocks.append((meta, fields, types, rows, True))
                meta = None
                continue
            if key in ("fields", "types"):
                val = val.split(meta["sep"])
                if key == "fields":
                    fields = val
                else:
                    types = val
            elif key == "open" and not STAMP.match(val):
                errors.append("%s: #open %r" % (where, val))
            meta[key] = val
            continue
        if fields is None or types is None or len(fields) != len(types):
            errors.append("%s: row before #fields/#types" % where)
            return log
        cols = line.split(meta["sep"])
        if len(cols) != len(fields):
            errors.append("%s: %d values for %d fields" %
                          (where, len(cols), len(fields)))
            continue
        for name, kind, v in zip(fields, types, cols):
            if not value_ok(kind, v, meta):
                errors.append("%s: %s=%r is not a %s" % (where, name, v, kind))
        rows.append(dict(zip(fields, cols)))
    if meta is not None:
        errors.append("%s: no #close" % path)
    return log


def check(paths):
    errors, rows = [], 0
    for path in paths:
        log = read(path, errors)
        for meta, fields, types, data, _ in log.blocks:
            sensor = bool(fields) and fields[0] == "_system_name"
            want = zeek_fields.columns(meta.get("path", "?"), sensor)
            got = list(zip(fields or [], types or []))
            if got != want:
                errors.append("%s: #fields/#types of %s.log differ from "
                              "Zeek's columns:\n  got  %r\n  want %r" %
                              (path, meta.get("path"), got, want))
            rows += len(data)
    for e in errors[:50]:
        print(e)
    print("zeek tsv: %d files, %d rows, %d errors" %
          (len(paths), rows, len(errors)))
    return 1 if errors else 0


def cut(path, names):
    errors = []
    log = read(path, errors)
    for e in errors:
        print(e, file=sys.stderr)
    for _, fields, _, data, _ in log.blocks:
        for row in data:
            print("\t".join(row.get(n, "-") for n in names))
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2:]))
    if len(sys.argv) > 3 and sys.argv[1] == "cut":
        sys.exit(cut(sys.argv[2], sys.argv[3:]))
    print(__doc__)
    sys.exit(2)
