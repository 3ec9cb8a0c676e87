#!/usr/bin/env bash
# t_ecs.sh - --format ecs over every capture in pcaps/: each document uses
# ECS field names with ECS types (tests/ecs_check.py); every document is
# accepted by the strict index template of docs/examples, whose ECS fields
# have their ECS types, and filebeat.yml reads the files into it
# (tests/ecs_template_check.py); message documents link to their session
# document (event.id / mailscope.uid), one per transaction and retrieval,
# with every attachment; the stats record is an ECS metric document.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for f in $(find pcaps -name '*.pcap' -o -name '*.pcapng' | sort); do
  n=$((n + 1))
  "$bin" -q --format ecs -r "$f" >"$tmp/$n.ecs" 2>/dev/null
  "$bin" -q -J -r "$f" >"$tmp/$n.json" 2>/dev/null
  cat "$tmp/$n.ecs" >>"$tmp/ecs.ndjson"
done
"$bin" -q --format ecs --stats --sensor-name s1 -r pcaps/demo.pcap \
  >"$tmp/stats.ndjson" 2>/dev/null
"$py" tests/ecs_check.py "$tmp/ecs.ndjson" "$tmp/stats.ndjson" || fail=1
"$py" tests/ecs_template_check.py docs/examples/elasticsearch-index-template.json \
  docs/examples/filebeat.yml "$tmp/ecs.ndjson" "$tmp/stats.ndjson" || fail=1
"$py" - "$tmp" "$n" "$tmp/stats.ndjson" <<'PY' || fail=1
import json, sys
stats = [json.loads(l) for l in open(sys.argv[3])]
errors = []
ndocs = nsessions = 0
def capture(i):
    global ndocs, nsessions
    docs = [json.loads(l) for l in open("%s/%d.ecs" % (sys.argv[1], i))]
    sessions = [json.loads(l) for l in open("%s/%d.json" % (sys.argv[1], i))]
    ndocs += len(docs)
    nsessions += len(sessions)
    by_id = {d["event"]["id"]: d for d in docs}
    if len(by_id) != len(docs):
        errors.append("capture %d: event.id not unique" % i)
    check(sessions, by_id)
def check(sessions, by_id):
  for s in sessions:
    doc = by_id.get(s["uid"])
    if not doc or doc["event"]["action"] != "session":
        errors.append("%s: no session document" % s["uid"]); continue
    units = [("t", t.get("message")) for t in s.get("transactions", [])] + \
            [("r", m.get("message")) for m in s.get("messages", [])]
    for i, (kind, msg) in enumerate(units, 1):
        n = i if kind == "t" else i - len(s.get("transactions", []))
        m = by_id.get("%s-%s%d" % (s["uid"], kind, n))
        if not m or m["mailscope"]["uid"] != s["uid"]:
            errors.append("%s: no document %s%d" % (s["uid"], kind, n)); continue
        want = len(msg["attachments"]) if msg else 0
        got = len(m.get("email", {}).get("attachments", []))
        if want != got:
            errors.append("%s-%s%d: %d attachments, -J has %d" %
                          (s["uid"], kind, n, got, want))
        if m["network"]["community_id"] != s["community_id"]:
            errors.append("%s: community_id differs" % s["uid"])
for i in range(1, int(sys.argv[2]) + 1):
    capture(i)
metric = stats[-1]
if metric["event"]["kind"] != "metric" or not metric["mailscope"]["stats"]["final"] \
        or metric["observer"]["name"] != "s1":
    errors.append("the stats record is not an ECS metric document")
for e in errors[:30]:
    print(e)
print("ecs linkage: %d sessions, %d documents, %d errors" %
      (nsessions, ndocs, len(errors)))
sys.exit(1 if errors else 0)
PY
exit $fail
