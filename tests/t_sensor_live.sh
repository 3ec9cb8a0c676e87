#!/usr/bin/env bash
# t_sensor_live.sh - a live sensor on lo, started as root and run as nobody
# (the default after the drop), as the packaged unit runs it
# (docs/sensor.md):
#  1. tcpdump's "listening on lo, link-type EN10MB (Ethernet), snapshot
#     length ..." line; the sensor name and interface in every record
#     (ECS observer.*, Zeek _system_name/_interface); --stats-interval
#     records while it runs (ECS metric documents);
#  2. --json-file and --zeek-dir rotated by size after the drop: the rotated
#     files (NAME.<time>.EXT) and the new ones belong to nobody, the
#     post-rotate command ran (as nobody) for each, and no record was lost
#     across them; SIGHUP after the file was moved away reopens it;
#  3. logrotate's way in a directory nobody cannot write (the README's
#     /var/log example): the file mailscope created is nobody's, so after
#     "create" makes the new file, SIGHUP reopens it; when nothing is there
#     to reopen, records are counted as lost and said, and go to the file
#     once it exists again ("writing again (N records lost)");
#  4. --workers 2: the periodic records carry each worker's counters.
# Runs under flock /tmp/mailscope-peers.lock (traffic on lo).
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
py=${PYTHON:-/usr/bin/python3}
if [ "$(id -u)" != 0 ]; then
  echo "live capture on lo and the drop to nobody need root: skipped"
  exit 77
fi
if [ -z "${MAILSCOPE_PEERS_LOCKED:-}" ]; then
  MAILSCOPE_PEERS_LOCKED=1 exec flock /tmp/mailscope-peers.lock bash "$0" "$@"
fi
tmp=$(mktemp -d)
chmod 755 "$tmp"
ms="" srv=""
trap 'kill $ms $srv 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
check() { # description, condition...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
port=$((20000 + RANDOM % 20000))
live=(-i lo -f "tcp port $port" --port smtp=$port)
sessions() { # N [DONE]: N SMTP sessions to port, waited for
  "$py" tests/live/smtp_peers.py server $port "$1" >/dev/null 2>&1 &
  srv=$!
  local hex
  hex=$(printf '%04X' $port)
  for _ in $(seq 50); do # until the server listens (state 0A)
    grep -q ":$hex 00000000:0000 0A" /proc/net/tcp && break
    sleep 0.1
  done
  "$py" tests/live/smtp_peers.py client $port "$1" || echo "client failed"
  wait $srv
  srv=""
  # a session is reported once it lingered 5 s after both FINs (its last
  # ACKs are its own: docs/json.md end_ts), at the next idle tick
  sleep 5.6
}
started() { # wait until mailscope said it listens
  for _ in $(seq 50); do
    grep -q "listening on" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
count() { # records of kind $2 (ECS event.action or Zeek rows) in files $3...
  "$py" - "$@" <<'PY'
import json, sys
kind, n = sys.argv[1], 0
for path in sys.argv[2:]:
    for line in open(path, encoding="utf-8"):
        if kind == "zeek":
            n += not line.startswith("#")
        elif line.startswith("{"):
            d = json.loads(line)
            n += d.get("event", {}).get("action") == kind or \
                d.get("event", {}).get("kind") == kind
print(n)
PY
}

# 1 + 2: one sensor, ECS to --json-file, Zeek logs, rotation by size.
mkdir "$tmp/log" "$tmp/hook"
chown nobody "$tmp/log" "$tmp/hook"
cat >"$tmp/hook.sh" <<EOF
#!/bin/sh
echo "\$(id -un) \$1" >>"$tmp/hook/rotated"
EOF
chmod 755 "$tmp/hook.sh"
"$bin" "${live[@]}" --format ecs --json-file "$tmp/log/lo.ndjson" \
  --zeek-dir "$tmp/zeek" --rotate-size 4096 --post-rotate "$tmp/hook.sh" \
  --sensor-name sensor-1 --stats-interval 1 >"$tmp/out" 2>"$tmp/err" &
ms=$!
started "$tmp/err" || { cat "$tmp/err"; echo "mailscope did not start"; exit 1; }
check "listening line" grep -q "^mailscope: listening on lo, link-type EN10MB (Ethernet), snapshot length [0-9]* bytes$" "$tmp/err"
check "runs as nobody" test "$(awk '/^Uid:/ {print $2}' /proc/$ms/status)" = "$(id -u nobody)"
sessions 12
mv "$tmp/log/lo.ndjson" "$tmp/log/moved-away.ndjson"
kill -HUP $ms
sleep 0.5
sessions 3
sleep 1.5
kill -INT $ms
wait $ms
check "exit 0 after SIGINT" test $? = 0
ms=""
files=("$tmp"/log/*.ndjson)
check "rotated files: NAME.<time>.ndjson" test "$(ls "$tmp/log" | grep -c '^lo\.[0-9-]*\.ndjson$')" -ge 2
check "rotated files belong to nobody" test -z "$(find "$tmp/log" "$tmp/zeek" -type f ! -user nobody)"
check "post-rotate ran as nobody for each rotated file" test \
  "$(grep -c '^nobody ' "$tmp/hook/rotated")" = "$(ls "$tmp"/log/lo.2*.ndjson "$tmp"/zeek/*.2*.log 2>/dev/null | wc -l)"
check "no session lost across rotations and SIGHUP" test "$(count session "${files[@]}")" = 15
check "every SMTP transaction documented" test "$(count smtp-transaction "${files[@]}")" = 15
check "SIGHUP: records after it in the reopened file" test "$(count session "$tmp/log/lo.ndjson" $(ls "$tmp"/log/lo.2*.ndjson 2>/dev/null | sort | tail -n +1))" -ge 3
check "periodic stats records (ECS metric)" test "$(count metric "${files[@]}")" -ge 2
check "every document names the sensor and lo" "$py" -c '
import json, sys
for p in sys.argv[1:]:
    for l in open(p):
        d = json.loads(l)
        o = d.get("observer", {})
        assert o.get("name") == "sensor-1", d
        if d["event"]["kind"] == "event":
            assert o["ingress"]["interface"]["name"] == "lo"
' "${files[@]}"
check "Zeek logs: TSV with the sensor fields" "$py" tests/zeek_tsv.py check "$tmp"/zeek/*.log
check "Zeek smtp.log rows name the sensor" test \
  "$("$py" tests/zeek_tsv.py cut "$tmp/zeek/smtp.log" _system_name _interface | sort -u)" = "sensor-1	lo"
check "Zeek: no transaction lost across rotations" test "$(count zeek "$tmp"/zeek/smtp*.log)" = 15

# 3: a directory nobody cannot write; logrotate's create, then none.
mkdir -m 755 "$tmp/varlog"
"$bin" "${live[@]}" -J --json-file "$tmp/varlog/mail.ndjson" --stats \
  >"$tmp/out3" 2>"$tmp/err3" &
ms=$!
started "$tmp/err3" || { cat "$tmp/err3"; echo "mailscope did not start"; exit 1; }
check "root-owned dir: the file is nobody's" test "$(stat -c %U "$tmp/varlog/mail.ndjson")" = nobody
sessions 2
mv "$tmp/varlog/mail.ndjson" "$tmp/varlog/mail.ndjson.1"
install -o nobody -m 644 /dev/null "$tmp/varlog/mail.ndjson" # logrotate create
kill -HUP $ms
sleep 0.5
sessions 2
mv "$tmp/varlog/mail.ndjson" "$tmp/varlog/mail.ndjson.2"
kill -HUP $ms # nothing to reopen, and nobody may not create it
sleep 0.5
sessions 2
install -o nobody -m 644 /dev/null "$tmp/varlog/mail.ndjson"
sessions 1
kill -INT $ms
wait $ms
ms=""
check "logrotate create + SIGHUP: records in the new file" test "$(grep -c '"event":"session"' "$tmp/varlog/mail.ndjson.2")" = 2
check "the records before: in the rotated file" test "$(grep -c '"event":"session"' "$tmp/varlog/mail.ndjson.1")" = 2
check "no file to reopen: said once" test "$(grep -c "mail.ndjson: Permission denied (records are counted as lost" "$tmp/err3")" = 1
check "writing again: said with the count" grep -q "mail.ndjson: writing again (2 records lost)" "$tmp/err3"
check "after it: records in the file again" test "$(grep -c '"event":"session"' "$tmp/varlog/mail.ndjson")" = 1
check "stats record: records_lost 2" grep -q '"records_lost":2' "$tmp/varlog/mail.ndjson"

# 4: live workers, per-worker counters.
"$bin" "${live[@]}" --workers 2 -J --stats-interval 1 >"$tmp/out4" 2>"$tmp/err4" &
ms=$!
started "$tmp/err4" || { cat "$tmp/err4"; echo "mailscope did not start"; exit 1; }
sessions 4
sleep 1.5
kill -INT $ms
wait $ms
ms=""
check "--workers 2: 4 sessions" test "$(grep -c '"event":"session"' "$tmp/out4")" = 4
check "--workers 2: periodic records with both workers" "$py" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if "\"interval\"" in l]
assert recs and all(len(r["workers"]) == 2 for r in recs), recs[:1]
last = recs[-1]
assert sum(w["packets"] for w in last["workers"]) == last["packets"]
' "$tmp/out4"
check "interval records validate against the schema" "$py" tests/schema_check.py docs/mailscope.schema.json "$tmp/out4"
exit $fail
