#!/usr/bin/env bash
# t_live_workers.sh - live capture with --workers 2 (AF_PACKET fanout) and
# --sandbox on lo, beside a single-process capture of the same traffic:
# 40 SMTP sessions on 127.0.0.1 must each appear exactly once, complete,
# in both, and the same; every process of both runs as "nobody" (the
# default when started as root without -Z), the sandboxed ones under a
# seccomp filter; SIGTERM ends both with status 0 and a stats record.  The
# workers also write an HTML report (its file opened before privileges go,
# written at the end): one row per session, the sessions of the NDJSON.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
py=${PYTHON:-/usr/bin/python3}
if [ "$(id -u)" != 0 ]; then
  echo "live capture on lo needs root (CAP_NET_RAW): skipped"
  exit 77
fi
case "$bin" in
*asan*) export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 ;; # LSan needs ptrace, which the sandbox refuses
esac
n=40
port=$((20000 + RANDOM % 20000))
tmp=$(mktemp -d)
one="" two="" srv=""
trap 'kill $one $two $srv 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "$*"; for f in "$tmp"/*.err; do echo "== $f"; cat "$f"; done; exit 1; }
filter="tcp port $port"
"$bin" -J --stats -i lo -f "$filter" --port smtp=$port >"$tmp/one.json" 2>"$tmp/one.err" &
one=$!
"$bin" -J --stats -i lo -f "$filter" --port smtp=$port --workers 2 --sandbox \
  --report "$tmp/two.html" >"$tmp/two.json" 2>"$tmp/two.err" &
two=$!
sleep 2
for p in $one $two; do
  kill -0 $p 2>/dev/null || fail "mailscope $p did not start"
done
nobody=$(id -u nobody)
kids=$(pgrep -P $two | tr '\n' ' ')
[ "$(echo $kids | wc -w)" = 2 ] || fail "expected 2 workers under $two, got: $kids"
for p in $one $two $kids; do
  uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' /proc/$p/status)
  [ "$uid" = "$nobody$nobody$nobody$nobody" ] || fail "process $p runs as $uid, not nobody"
done
for p in $two $kids; do
  grep -q '^Seccomp:[[:space:]]*2' /proc/$p/status || fail "process $p has no seccomp filter"
done
grep -q '^Seccomp:[[:space:]]*0' /proc/$one/status || fail "process $one is filtered without --sandbox"
"$py" tests/live/smtp_peers.py server $port $n >"$tmp/server.err" 2>&1 &
srv=$!
sleep 0.5
"$py" tests/live/smtp_peers.py client $port $n "$tmp/done" 2>"$tmp/client.err" ||
  fail "client failed"
wait $srv
srv=""
sleep 1
kill -TERM $one $two
wait $one
rc1=$?
wait $two
rc2=$?
one="" two=""
[ $rc1 = 0 ] && [ $rc2 = 0 ] || fail "exit status $rc1 (one process), $rc2 (two workers)"
"$py" - "$tmp/one.json" "$tmp/two.json" $n <<'PY' || fail "outputs differ"
import json, sys
def load(path):
    sessions, stats = {}, None
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if r["event"] == "stats":
            stats = r
            continue
        key = r["helo"]
        assert key not in sessions, "%s: %s seen twice" % (path, key)
        tx = r["transactions"]
        assert r["end"] == "fin" and not r["midstream"], (path, key, r["end"])
        assert [c["verb"] for c in r["commands"]] == ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"], (path, key)
        assert len(tx) == 1 and tx[0]["status"] == "queued" and tx[0]["queue_id"] == "LIVE1", (path, key)
        sessions[key] = (tx[0]["mail_from"], tx[0]["message"]["subject"], r["bytes"]["client"], r["bytes"]["server"])
    assert stats is not None, path + ": no stats record"
    return sessions, stats
n = int(sys.argv[3])
a, sa = load(sys.argv[1])
b, sb = load(sys.argv[2])
assert len(a) == n, "single process saw %d sessions" % len(a)
assert a == b, "workers saw %d sessions, different ones" % len(b)
assert sa["sessions"]["smtp"] == sb["sessions"]["smtp"] == n, (sa["sessions"], sb["sessions"])
assert sa["packets"] == sb["packets"], ("packets", sa["packets"], sb["packets"])
for i in range(n):
    assert a["c%d" % i][1] == "live %d" % i
print("%d sessions, identical with --workers 2" % n)
PY
"$py" - "$tmp/two.json" "$tmp/two.html" <<'PY' || fail "report differs"
import json, re, sys
uids = sorted(json.loads(l)["uid"] for l in open(sys.argv[1], encoding="utf-8")
              if '"event":"session"' in l)
page = open(sys.argv[2], encoding="utf-8").read()
rows = json.loads(re.search(r'<script type="application/json" id="ms-rows">(.*?)</script>',
                            page, re.S).group(1))
assert sorted(r["u"] for r in rows) == uids, (len(rows), len(uids))
print("report: %d rows, the sessions of the NDJSON" % len(rows))
PY
echo "live --workers 2 --sandbox: same $n sessions as one process, all as nobody"
