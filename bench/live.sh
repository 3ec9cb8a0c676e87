#!/usr/bin/env bash
# live.sh - `make bench-live`: the highest rate each tool captures live
# without loss, replaying the benchmark capture on loopback.
#
#   BENCH_LIVE_MB=100          size of the generated capture
#   BENCH_LIVE_RATES="100 200 300 400 600 800 1000 top"
#                              tcpreplay rates in Mbit/s ("top": --topspeed)
#   BENCH_LIVE_TOOLS="tcpdump tshark mailscope mailscope-w2"
#                              (also: mailscope-immediate, the ring settings
#                              of earlier versions)
#
# The mix capture of bench/gen_capture.c is rewritten to loopback addresses
# (tcprewrite: 10.0.0.0/8 -> 127.0.0.0/8, 192.0.2.0/24 -> 127.0.2.0/24,
# 2001:db8::/32 -> ::1) and replayed with tcpreplay inside a private
# network namespace (unshare -n: its own lo, no other address, nothing
# leaves the machine).  At each rate, from the lowest up, each tool
# captures one replay: tcpdump -w /dev/null, tshark -Y 'smtp||pop' (its
# count is of the packets the filter displays, as offline),
# mailscope -J and mailscope -J --workers 2.  A run is loss-free when the
# tool saw every packet of the replay with no kernel drop; for mailscope
# also when its records equal those of the offline run over the same file
# (times and uids aside: live timestamps are the replay's).  CPU is user +
# system time of the tool and its children over the run.  Needs root.
#
# Prints a markdown table (also bench/out/live.md): per tool the highest
# loss-free rate (the highest rate below which no run lost anything), CPU
# at 200 Mbit/s, and per rate what was lost.  A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${BENCH_LIVE_MB:-100}
rates=${BENCH_LIVE_RATES:-"100 200 300 400 600 800 1000 top"}
tools=${BENCH_LIVE_TOOLS:-"tcpdump tshark mailscope mailscope-w2"}
out=bench/out
mkdir -p "$out"
[ "$(id -u)" = 0 ] || { echo "bench-live: needs root (unshare -n, capture on lo)" >&2; exit 1; }
for t in tcpreplay tcprewrite tcpdump unshare /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench-live: needs $t (apt-get install tcpreplay tcpdump time)" >&2; exit 1; }
done
[ -x ./mailscope ] || { echo "bench-live: build ./mailscope first (make)" >&2; exit 1; }
case " $tools " in *" tshark "*) command -v tshark >/dev/null || tools=${tools/tshark/} ;; esac

cc -O2 -Ibench -o "$out/gen_capture" bench/gen_capture.c $(pkg-config --cflags --libs libssl libcrypto)
mix="$out/mix-${mb}MB.pcap"
if ! [ -s "$mix" ] || ! [ "$mix" -nt bench/gen_capture.c ]; then
  "$out/gen_capture" mix "$mix" "$mb" 64 2>"$mix.info"
fi
cap="$out/live-${mb}MB.pcap"
if ! [ -s "$cap" ] || ! [ "$cap" -nt "$mix" ]; then
  tcprewrite --infile="$mix" --outfile="$cap" \
    --pnat="10.0.0.0/8:127.0.0.0/8,192.0.2.0/24:127.0.2.0/24,[2001:db8::/32]:[::1/128]"
fi
npackets=$(./mailscope -J -q --stats -r "$cap" | grep '"event":"stats"' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')

# The records as the comparison sees them: without times, uids, the run's
# own counters and the capture's interface and sensor name, one per line,
# sorted.
normalize() {
  python3 -c '
import json, re, sys
# live records also name the interface and the sensor (docs/json.md)
DROP = {"uid", "seconds", "interface", "sensor"}  # and every time stamp: ts, *_ts
# Checks against the clock: a certificate made yesterday is "not yet valid"
# at the 2025 time stamps of the capture, valid when replayed now.
# Checks across sessions: which session is told depends on which ended
# first, and a replay at another rate moves the ends (t_workers too sets
# them aside).
CLOCK = {"tls_certificate_not_yet_valid", "tls_certificate_expired",
         "starttls_stripped", "starttls_downgrade"}
# uids and times quoted in details (starttls_stripped names a session)
QUOTED = re.compile(r"\bC[0-9A-Za-z]{17}\b|\d{4}-\d\d-\d\dT[0-9:.]+Z")
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items()
                if k not in DROP and k != "ts" and not k.endswith("_ts")}
    if isinstance(v, list):
        return [strip(x) for x in v
                if not (isinstance(x, dict) and x.get("name") in CLOCK)]
    if isinstance(v, str):
        return QUOTED.sub("-", v)
    return v
rows = []
for line in sys.stdin:
    r = json.loads(line)
    if r.get("event") == "session":
        rows.append(json.dumps(strip(r), sort_keys=True))
for r in sorted(rows):
    print(r)
'
}
./mailscope -J -q -r "$cap" | normalize >"$out/live-offline.records"
# tshark -Y counts the packets it displays: the same filter offline
tshark_expect=""
case " $tools " in *" tshark "*)
  tshark_expect=$(tshark -n -r "$cap" -Y 'smtp || pop' 2>/dev/null | wc -l) ;;
esac

# One tool, one replay, inside a fresh network namespace.  Writes
# "seen drops cpu_seconds" to $out/live-run.result.
run_one() { # tool rate
  local tool=$1 rate=$2 speed
  if [ "$rate" = top ]; then speed=--topspeed; else speed=--mbps=$rate; fi
  BL_TOOL=$tool BL_SPEED=$speed BL_CAP=$cap BL_OUT=$out \
    unshare -n bash bench/live_one.sh
}

declare -A lossfree cpu200 detail
for t in $tools; do lossfree[$t]="none"; cpu200[$t]="-"; detail[$t]=""; done
declare -A failed
for rate in $rates; do
  for t in $tools; do
    [ -n "${failed[$t]:-}" ] && continue
    run_one "$t" "$rate"
    read -r seen drops cpu <"$out/live-run.result"
    ok=1 note="" want=$npackets
    [ "$t" = tshark ] && want=$tshark_expect
    [ "$seen" = "$want" ] || { ok=0; note="saw $seen of $want"; }
    [ "$drops" = 0 ] || { ok=0; note="$note kernel drops $drops"; }
    if [ "${t%%-*}" = mailscope ] && [ $ok = 1 ]; then
      normalize <"$out/live-run.json" >"$out/live-run.records"
      if ! cmp -s "$out/live-run.records" "$out/live-offline.records"; then
        ok=0
        note="records differ from offline ($(diff "$out/live-run.records" "$out/live-offline.records" | grep -c '^[<>]' || true) lines)"
      fi
    fi
    [ "$rate" = 200 ] && cpu200[$t]=$cpu
    if [ $ok = 1 ]; then
      lossfree[$t]=$rate
      detail[$t]="${detail[$t]} $rate:ok(${cpu}s)"
    else
      failed[$t]=1
      detail[$t]="${detail[$t]} $rate:LOST(${note# })"
    fi
    echo "bench-live: $t at $rate: ${note:-no loss} (cpu ${cpu}s)" >&2
  done
done

{
  echo "## make bench-live ($(date -u +%Y-%m-%d), $(nproc) cores)"
  echo
  echo "Capture: $(basename "$cap"), $npackets packets, $(stat -c %s "$cap") bytes, replayed on lo in a private network namespace."
  echo
  echo "| tool | loss-free (Mbit/s) | CPU at 200 Mbit/s (s) | runs |"
  echo "|---|---|---|---|"
  for t in $tools; do
    echo "| $t | ${lossfree[$t]} | ${cpu200[$t]} |${detail[$t]} |"
  done
} | tee "$out/live.md"
