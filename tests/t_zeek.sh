#!/usr/bin/env bash
# t_zeek.sh - the Zeek logs over every capture in pcaps/:
#  - --format zeek is Zeek TSV: read like zeek-cut reads it (tests/zeek_tsv.py:
#    header lines in order, #close, one value per field, each value of its
#    type), and its #fields/#types equal to the smtp.log columns of Zeek's
#    base scripts (tests/zeek_fields.py);
#  - --zeek-dir writes smtp.log, files.log, weird.log and pop3.log, each
#    checked the same way;
#  - --format zeek-json (and --zeek-dir with it) checked by
#    tests/zeek_check.py against the same columns;
#  - the logs agree with -J: files.log has one record per attachment with
#    its digests, under a fuid that smtp.log/pop3.log list; weird.log one
#    record per anomaly; rcptto every RCPT TO address, refused ones too;
#    pop3.log one record per POP3 session; POP3 captures write no smtp.log.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
mkdir -p "$tmp/tsv" "$tmp/json"
for f in $(find pcaps -name '*.pcap' -o -name '*.pcapng' | sort); do
  n=$((n + 1))
  "$bin" -q --format zeek -r "$f" >"$tmp/tsv/$n.smtp.log" 2>/dev/null
  [ -s "$tmp/tsv/$n.smtp.log" ] || rm -f "$tmp/tsv/$n.smtp.log"
  "$bin" -q --format zeek-json -r "$f" >>"$tmp/zeek.ndjson" 2>/dev/null
  "$bin" -q --zeek-dir "$tmp/dir$n" -J -r "$f" >"$tmp/dir$n.ndjson" 2>/dev/null
  "$bin" -q --zeek-dir "$tmp/jdir$n" --format zeek-json -r "$f" >/dev/null 2>&1
  for log in smtp files weird pop3; do
    [ -f "$tmp/jdir$n/$log.log" ] && cat "$tmp/jdir$n/$log.log" >>"$tmp/json/$log.ndjson"
  done
done
"$py" tests/zeek_tsv.py check "$tmp"/tsv/*.log "$tmp"/dir*/*.log || fail=1
"$py" tests/zeek_check.py "$tmp/zeek.ndjson" || fail=1
for log in smtp files weird pop3; do
  if [ -s "$tmp/json/$log.ndjson" ]; then
    "$py" tests/zeek_check.py --log $log "$tmp/json/$log.ndjson" || fail=1
  else
    echo "FAIL: no $log.log record in any --zeek-dir"; fail=1
  fi
done
"$bin" -q --format zeek -r pcaps/real/pop3-full.pcap >"$tmp/pop3" 2>&1
if [ -s "$tmp/pop3" ]; then
  echo "FAIL: --format zeek wrote something for a POP3 capture"
  fail=1
fi
# The logs against -J, capture by capture.
"$py" - "$tmp" "$n" <<'PY' || fail=1
import json, os, subprocess, sys
tmp, n = sys.argv[1], int(sys.argv[2])
def cut(path, *cols):
    if not os.path.exists(path):
        return []
    out = subprocess.run([sys.executable, "tests/zeek_tsv.py", "cut", path] +
                         list(cols), capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]
bad = checked = 0
for i in range(1, n + 1):
    d = "%s/dir%d" % (tmp, i)
    sessions = [json.loads(l) for l in open(d + ".ndjson")]
    atts, anomalies, pop3, rcpts = [], 0, 0, set()
    for s in sessions:
        anomalies += len(s["anomalies"])
        pop3 += s["proto"] == "pop3"
        for t in s.get("transactions", []):
            for r in t["rcpt_to"] + [x["addr"] for x in t["rcpt_rejected"]] + t.get("rcpt_unanswered", []):
                rcpts.add((s["uid"], r))
            if t.get("message"):
                atts += [(s["uid"], a) for a in t["message"]["attachments"]]
        for m in s.get("messages", []):
            if m.get("message"):
                atts += [(s["uid"], a) for a in m["message"]["attachments"]]
    files = cut(d + "/files.log", "uid", "fuid", "md5", "sha1", "sha256",
                "total_bytes", "seen_bytes")
    fuids = {f for row in cut(d + "/smtp.log", "fuids") +
             cut(d + "/pop3.log", "fuids")
             for f in row[0].split(",") if f not in ("-", "(empty)")}
    want = sorted((u, a["md5"], a["sha1"], a["sha256"], str(a["bytes"]))
                  for u, a in atts)
    got = sorted((r[0], r[2], r[3], r[4], r[6]) for r in files)
    if want != got:
        print("dir%d: files.log %d records, -J %d attachments" %
              (i, len(got), len(want))); bad += 1
    if {r[1] for r in files} != fuids:
        print("dir%d: files.log fuids differ from smtp/pop3.log fuids" % i)
        bad += 1
    weird = cut(d + "/weird.log", "uid")
    if len(weird) != anomalies:
        print("dir%d: weird.log %d records, %d anomalies" %
              (i, len(weird), anomalies)); bad += 1
    if len(cut(d + "/pop3.log", "uid")) != pop3:
        print("dir%d: pop3.log records != POP3 sessions" % i); bad += 1
    hellos = {s["uid"]: s["tls_handshake"] for s in sessions
              if "client" in s.get("tls_handshake", {}) or
              "server" in s.get("tls_handshake", {})}
    ssl = cut(d + "/ssl.log", "uid", "server_name")
    if sorted(u for u, _ in ssl) != sorted(hellos):
        print("dir%d: ssl.log %d records, %d sessions with a hello" %
              (i, len(ssl), len(hellos))); bad += 1
    logged = {(u, r) for u, rc in cut(d + "/smtp.log", "uid", "rcptto")
              for r in rc.split(",") if rc not in ("-", "(empty)")}
    missing = {r for r in rcpts if r[1] and (r[0], r[1].replace(",", "\\x2c"))
               not in logged}
    if missing:
        print("dir%d: rcptto misses %s" % (i, sorted(missing)[:3])); bad += 1
    checked += 1
print("zeek vs -J: %d captures, %d disagreements" % (checked, bad))
sys.exit(1 if bad else 0)
PY
exit $fail
