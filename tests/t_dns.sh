#!/usr/bin/env bash
# t_dns.sh - the DNS path's counters and options: every hostile DNS answer
# of pcaps/edge/dns-hostile.pcap counted by name in the stats record, the
# same with --workers 2; --max-dns-cache 0 keeps nothing (answers evicted,
# no route); --dns-window bounds how long an answer counts; bad values are
# usage errors.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
py=${PYTHON:-/usr/bin/python3}
fail=0
check() { # description, python expression over r (records) and st (stats)
  if ! "$py" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
st = r[-1]
s = [o for o in r if o["event"] == "session"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$2"; then
    echo "FAIL: $1"
    fail=1
  else
    echo "ok   $1"
  fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hostile=pcaps/edge/dns-hostile.pcap
want='{"dns_truncated": 1, "dns_pointer_loop": 1, "dns_forward_pointer": 1, "dns_pointer_chain": 1, "dns_name_too_long": 1, "dns_bad_rdata": 1}'
for w in 1 2; do
  "$bin" -q -J --stats --workers $w -r $hostile >"$tmp/out"
  check "--workers $w: each hostile answer counted by name" \
    "st['dns']['anomalies'] == $want and st['dns']['messages'] == 9 and st['dns']['malformed'] == 6"
  check "--workers $w: routes from the sound answers (UDP, and TCP out of order)" \
    "[x.get('route', {}).get('verdict') for x in s] == ['mx', 'mx', 'not_mx', None]"
done
"$bin" -q -J --stats --max-dns-cache 0 -r $hostile >"$tmp/out"
check "--max-dns-cache 0: answers evicted, no route" \
  "st['dns']['evicted'] > 0 and all('route' not in x for x in s)"
# the answers of route-postfix-mx.pcap are seen about 0.1 s before each
# delivery: a window of 1 s still holds them (TTL 300 capped to 1 s)
"$bin" -q -J --dns-window 1 -r pcaps/real/route-postfix-mx.pcap >"$tmp/out"
check "--dns-window 1: answers a moment old still count" \
  "[x['route']['verdict'] for x in s if 'route' in x and x['server']['port'] == 25] == ['mx', 'mx', 'implicit_mx']"
for bad in "--dns-window 0" "--dns-window x" "--max-dns-cache -1"; do
  # shellcheck disable=SC2086
  if "$bin" $bad -r $hostile >/dev/null 2>"$tmp/err"; then
    echo "FAIL: $bad accepted"
    fail=1
  else
    echo "ok   $bad refused: $(head -n 1 "$tmp/err")"
  fi
done
exit $fail
