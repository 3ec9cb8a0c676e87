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
    one = {r["u"]: (json.dumps(r, sort_keys=True), d) for r, d in zip(rows1, det1)}
    many = {r["u"]: (json.dumps(r, sort_keys=True), d) for r, d in zip(rowsn, detn)}
    if one != many:
        diff = sorted(u for u in set(one) | set(many) if one.get(u) != many.get(u))
        problems.append("sessions differ: %s" % diff[:5])
    if problems:
        print("; ".join(problems))
        return 1
    print("note: --workers reported sessions in another order than one process "
          "(the NDJSON too); rows and details are the same")
    return 0


if __name__ == "__main__":
    sys.exit(main())
