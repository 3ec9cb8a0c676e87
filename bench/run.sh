#!/usr/bin/env bash
# run.sh - `make bench`: mailscope against the floor (a raw libpcap read
# loop) and tshark, on one large generated capture, in one run.
#
#   BENCH_MB=250       size of the generated capture
#   BENCH_ROUNDS=3     rounds of floor and mailscope (alternating)
#   BENCH_TSHARK_ROUNDS=1   rounds of tshark (slow); 0 to skip
#   BENCH_SCALE=100000 sessions open at once in the scale capture
#
# Prints a markdown table (also bench/out/latest.md): wall time, MB/s,
# sessions/s and peak RSS of each, the ratios mailscope/floor and
# tshark/mailscope as medians, and mailscope's peak RSS on the scale capture.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${BENCH_MB:-250}
rounds=${BENCH_ROUNDS:-3}
trounds=${BENCH_TSHARK_ROUNDS:-1}
scale=${BENCH_SCALE:-100000}
out=bench/out
mkdir -p "$out"
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
cc -O2 -o "$out/gen_capture" bench/gen_capture.c
cc -O2 -o "$out/floor" bench/floor.c $(pkg-config --cflags --libs libpcap)
# libnids 1.26 (Debian libnids-dev, static; libnet1-dev for -lnet), optional
nids=""
if [ -f /usr/include/nids.h ] &&
  cc -O2 -o "$out/nids_probe" bench/nids_probe.c -l:libnids.a \
    $(pkg-config --libs libpcap glib-2.0 gthread-2.0) -lnet 2>/dev/null; then
  nids="$out/nids_probe"
fi
# --workers may not be supported by every build
workers=""
if ./mailscope --workers 2 -J -q -r /dev/null >/dev/null 2>&1 ||
  ! ./mailscope --workers 2 -J -q -r /dev/null 2>&1 | grep -qi 'unknown\|unrecognized\|invalid option'; then
  workers=1
fi
cap="$out/mix-${mb}MB.pcap"
[ -s "$cap" ] && [ "$cap" -nt bench/gen_capture.c ] || "$out/gen_capture" mix "$cap" "$mb" 64
scap="$out/scale-$scale.pcap"
[ -s "$scap" ] && [ "$scap" -nt bench/gen_capture.c ] || "$out/gen_capture" scale "$scap" "$scale"
size=$(stat -c %s "$cap")
sessions=$(./mailscope -J -q -r "$cap" | grep -c '"event":"session"')

measure() { # name, command...: appends "seconds rss_kb" to $out/NAME.times
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$out/$name.one" "$@" >/dev/null 2>&1
  cat "$out/$name.one" >>"$out/$name.times"
}
rm -f "$out"/*.times
for _ in $(seq "$rounds"); do
  measure floor "$out/floor" "$cap"
  measure mailscope ./mailscope -J -q -r "$cap"
  [ -z "$workers" ] || measure workers2 ./mailscope --workers 2 -J -q -r "$cap"
  [ -z "$nids" ] || measure libnids "$nids" "$cap"
done
tshark_cmd=(tshark -n -r "$cap" -Y "smtp || pop" -T fields -e frame.number
  -e smtp.req.command -e smtp.req.parameter -e smtp.response.code
  -e pop.request.command -e pop.response.indicator -e imf.subject)
if command -v tshark >/dev/null && [ "$trounds" -gt 0 ]; then
  for _ in $(seq "$trounds"); do measure tshark "${tshark_cmd[@]}"; done
fi
measure scale ./mailscope -J -q -r "$scap"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
secs() { cut -d' ' -f1 "$out/$1.times" | median; }
rss() { cut -d' ' -f2 "$out/$1.times" | sort -n | tail -1; }
row() { # name
  local s r
  s=$(secs "$1")
  r=$(rss "$1")
  awk -v n="$1" -v s="$s" -v r="$r" -v b="$size" -v k="$sessions" \
    'BEGIN {printf "| %s | %.2f | %.0f | %.0f | %.1f |\n", n, s, b/1e6/(s>0?s:1e-9), k/(s>0?s:1e-9), r/1024}'
}
{
  echo "capture: $cap, $(awk -v b="$size" 'BEGIN{printf "%.0f", b/1e6}') MB, $sessions sessions; $rounds rounds (tshark: $trounds)"
  echo
  echo "| program | wall s (median) | MB/s | sessions/s | peak RSS MiB |"
  echo "|---|---|---|---|---|"
  row floor
  row mailscope
  [ -f "$out/workers2.times" ] && row workers2
  [ -f "$out/libnids.times" ] && row libnids
  [ -f "$out/tshark.times" ] && row tshark
  echo
  f=$(secs floor); m=$(secs mailscope)
  awk -v f="$f" -v m="$m" 'BEGIN {printf "mailscope / floor: %.2fx\n", m/(f>0?f:1e-9)}'
  if [ -f "$out/tshark.times" ]; then
    t=$(secs tshark)
    awk -v t="$t" -v m="$m" 'BEGIN {printf "tshark / mailscope: %.1fx\n", t/(m>0?m:1e-9)}'
  fi
  echo "scale capture ($scale sessions open at once, $(stat -c %s "$scap" | awk '{printf "%.0f", $1/1e6}') MB): peak RSS $(rss scale | awk '{printf "%.1f", $1/1024}') MiB, $(secs scale) s"
  if [ -f "$out/libnids.times" ]; then
    l=$(secs libnids)
    awk -v l="$l" -v f="$f" 'BEGIN {printf "libnids (reassembly only, no decoding) / floor: %.2fx\n", l/(f>0?f:1e-9)}'
    echo "libnids on this capture: $("$nids" "$cap")"
  fi
  if [ -f "$out/workers2.times" ]; then
    w=$(secs workers2)
    awk -v w="$w" -v m="$m" 'BEGIN {printf "--workers 2 speed-up: %.2fx\n", m/(w>0?w:1e-9)}'
  else
    echo "--workers 2: not supported yet"
  fi
} | tee "$out/latest.md"
