#!/usr/bin/env bash
# live_one.sh - one run of bench/live.sh, inside the network namespace it
# was started in (unshare -n): one tool captures one tcpreplay on lo.
# Environment: BL_TOOL, BL_SPEED (tcpreplay option), BL_CAP, BL_OUT.
# Writes "packets_seen kernel_drops cpu_seconds" to $BL_OUT/live-run.result
# (mailscope's records to $BL_OUT/live-run.json).
set -u
ip link set lo up
out=$BL_OUT
res="$out/live-run.result"
err="$out/live-run.err"
tfile="$out/live-run.time"
rm -f "$res" "$tfile" "$out/live-run.json"
case "$BL_TOOL" in
tcpdump) cmd=(tcpdump -i lo -n -w /dev/null) ;;
tshark) cmd=(tshark -i lo -n -q -Y 'smtp || pop') ;;
mailscope) cmd=(./mailscope -J --stats -i lo) ;;
mailscope-w2) cmd=(./mailscope -J --stats --workers 2 -i lo) ;;
# the settings before 0.2: a wake-up per packet, a 32 MiB ring of V2 slots
mailscope-immediate) cmd=(./mailscope -J --stats --immediate --buffer-size 32M -i lo) ;;
*) echo "live_one: unknown tool $BL_TOOL" >&2; exit 1 ;;
esac
/usr/bin/time -o "$tfile" -f "%U %S" "${cmd[@]}" >"$out/live-run.json" 2>"$err" &
tpid=$!
# the tool is the child of time(1)
pid=""
for _ in $(seq 50); do
  pid=$(pgrep -P $tpid | head -n 1) && [ -n "$pid" ] && break
  sleep 0.05
done
# wait until it captures: tcpdump says "listening on", tshark "Capture
# started" (its dumpcap takes seconds to start), mailscope "listening on"
# (older builds say nothing: a fixed wait)
for _ in $(seq 200); do
  grep -q -e 'listening on' -e 'Capture started' "$err" 2>/dev/null && break
  case "$BL_TOOL" in mailscope*) grep -q . "$err" 2>/dev/null || { sleep 1.5; break; } ;; esac
  sleep 0.1
done
sleep 0.5
tcpreplay -q -i lo "$BL_SPEED" "$BL_CAP" >/dev/null 2>&1
sleep 1.5
# then until it has caught up: its CPU time stands still for a second
cputime() { awk '{print $14 + $15}' /proc/"$1"/stat 2>/dev/null; }
last=-1
for _ in $(seq 120); do
  now=$(cputime "$pid")
  [ "$now" = "$last" ] && break
  last=$now
  sleep 1
done
kill -INT "$pid" 2>/dev/null
wait $tpid
read -r u s <"$tfile" || { u=0; s=0; }
cpu=$(echo "$u $s" | awk '{printf "%.2f", $1 + $2}')
case "$BL_TOOL" in
tcpdump)
  seen=$(awk '/packets captured/ {print $1}' "$err")
  drops=$(awk '/dropped by kernel/ {print $1}' "$err")
  ;;
tshark)
  seen=$(awk '/packets captured/ {print $1}' "$err")
  drops=$(awk '/packets? dropped/ {s += $1} END {print s + 0}' "$err")
  ;;
mailscope*)
  read -r seen drops < <(grep '"event":"stats"' "$out/live-run.json" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s["packets"], s["kernel_drops"])')
  ;;
esac
echo "${seen:-0} ${drops:-0} $cpu" >"$res"
