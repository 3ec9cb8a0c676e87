"""report_same.py R1.html J1 RN.html JN - two HTML reports of the same
input (one process, --workers N) hold the same sessions: each report's rows
are in the order of the NDJSON (J1, JN) its run wrote, and every session's
row and detail are the same in both.  Used by t_workers.sh when the two
runs reported sessions in another order.  Exit 0 or 1 with the reason."""
import json
import re
import sys


def blocks(path):
    text = open(path, encoding="utf-8").read()
    found = dict(re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>',
                            text, re.S))
    rows = json.loads(found.pop("ms-rows"))
    meta = json.loads(found.pop("ms-meta"))
    details = [found.get("d-%d" % i) for i in range(len(rows))]
    head = text[:text.index('<script type="application/json"')]
    return meta, rows, details, head


# Anomalies that compare sessions across the capture: each worker remembers
# only its own flows' sessions (docs/design.md "STARTTLS memory"), so they
# are set aside, as t_workers.sh does for the other formats.
ACROSS = {"starttls_stripped", "starttls_downgrade"}


def without_across(v):
    """v without the ACROSS anomalies: [name, count] entries of a row's
    "an" (and their count from "na"), {"n": name, ...} entries anywhere."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == "an" and isinstance(x, list):
                gone = sum(e[1] for e in x if isinstance(e, list) and e
                           and e[0] in ACROSS)
                x = [e for e in x if not (isinstance(e, list) and e
                                          and e[0] in ACROSS)]
                if "na" in v:
                    out["na"] = v["na"] - gone
                if not x:
                    continue
            elif k == "na" and "an" in v:
                continue
            y = without_across(x)
            if isinstance(x, list) and x and y == []:
                continue  # held only those anomalies: as if none
            out[k] = y
        if not out.get("na", 1):
            out.pop("na")
        return out
    if isinstance(v, list):
        return [without_across(x) for x in v
                if not (isinstance(x, dict) and isinstance(x.get("n"), str)
                        and x["n"] in ACROSS)]
    return v


def uids(path):
    return [json.loads(line)["uid"] for line in open(path, encoding="utf-8")
            if '"event":"session"' in line]


def main():
    r1, j1, rn, jn = sys.argv[1:5]
    m1, rows1, det1, head1 = blocks(r1)
    mn, rowsn, detn, headn = blocks(rn)
    problems = []
    if m1 != mn or head1 != headn:
        problems.append("meta or page head differ")
    for rows, j, name in ((rows1, j1, r1), (rowsn, jn, rn)):
        if [r["u"] for r in rows] != uids(j):
            problems.append("%s: rows not in the order of its NDJSON" % name)
    def norm(r, d):
        return (json.dumps(without_across(r), sort_keys=True),
                json.dumps(without_across(json.loads(d)), sort_keys=True)
                if d is not None else None)
    one = {r["u"]: norm(r, d) for r, d in zip(rows1, det1)}
    many = {r["u"]: norm(r, d) for r, d in zip(rowsn, detn)}
    if one != many:
        diff = sorted(u for u in set(one) | set(many) if one.get(u) != many.get(u))
        problems.append("sessions differ: %s" % diff[:5])
    if problems:
        print("; ".join(problems))
        return 1
    print("note: the reports differ byte for byte; rows and details are the "
          "same but for the anomalies that compare sessions across the capture")
    return 0


if __name__ == "__main__":
    sys.exit(main())
