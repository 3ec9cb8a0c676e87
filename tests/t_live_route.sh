#!/usr/bin/env bash
# t_live_route.sh - the route of SMTP sessions in live capture, with one
# process and with --workers 2 (AF_PACKET fanout plus each worker's own
# capture of the DNS path): a real capture of DNS and SMTP
# (pcaps/real/route-swaks-direct.pcap) is replayed onto the loopback of a
# private network namespace; both live runs must give every session the
# route verdict and the anomalies that reading the file gives.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
py=${PYTHON:-/usr/bin/python3}
if [ "$(id -u)" != 0 ]; then
  echo "live capture needs root (CAP_NET_RAW, a network namespace): skipped"
  exit 77
fi
if ! unshare -n true 2>/dev/null; then
  echo "no private network namespace here (unshare -n): skipped"
  exit 77
fi
"$py" -c 'import scapy' 2>/dev/null || { echo "python3-scapy missing: skipped"; exit 77; }
case "$bin" in
*asan*) export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 ;;
esac
cap=pcaps/real/route-swaks-direct.pcap
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/run.sh" <<EOF
set -u
ip link set lo up
"$bin" -q -J --stats -i lo --workers 2 >"$tmp/two.json" 2>"$tmp/two.err" &
two=\$!
"$bin" -q -J --stats -i lo >"$tmp/one.json" 2>"$tmp/one.err" &
one=\$!
sleep 2
"$py" -c "
from scapy.all import rdpcap, sendp
for p in rdpcap('$cap'):
    sendp(p, iface='lo', verbose=False)
"
sleep 2
kill -TERM \$two \$one
wait \$two; echo "two \$?" >>"$tmp/rc"
wait \$one; echo "one \$?" >>"$tmp/rc"
EOF
timeout 120 unshare -n bash "$tmp/run.sh"

summary() { # the route verdict and anomalies of each session, by server
  "$py" -c '
import json, sys
rows = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["event"] == "session":
        rows.append("%s %s %s" % (o["server"]["ip"],
                    o.get("route", {}).get("verdict", "-"),
                    ",".join(a["name"] for a in o["anomalies"])))
print("\n".join(sorted(rows)))' "$1"
}
"$bin" -q -J -r "$cap" >"$tmp/file.json"
summary "$tmp/file.json" >"$tmp/want"
fail=0
grep -q . "$tmp/want" || { echo "FAIL: no session read from $cap"; fail=1; }
for run in one two; do
  grep -q "^$run 0$" "$tmp/rc" || { echo "FAIL: live $run did not exit 0"; cat "$tmp/$run.err"; fail=1; }
  summary "$tmp/$run.json" >"$tmp/$run.got" 2>"$tmp/$run.perr" || fail=1
  if ! diff -u "$tmp/want" "$tmp/$run.got"; then
    echo "FAIL: live ($run) routes differ from the file's"
    fail=1
  fi
done
# every DNS message counted once, however many workers saw it
msgs() { "$py" -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1].get("dns", {}).get("messages"))' "$1"; }
[ "$(msgs "$tmp/one.json")" = "$(msgs "$tmp/two.json")" ] ||
  { echo "FAIL: dns messages: one $(msgs "$tmp/one.json"), two $(msgs "$tmp/two.json")"; fail=1; }
[ $fail = 0 ] && echo "live route: $(wc -l <"$tmp/want") sessions, one process and --workers 2 agree with the file"
exit $fail
