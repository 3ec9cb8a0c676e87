#!/usr/bin/env bash
# run.sh - `make bench`: mailscope against the floor (a raw libpcap read
# loop) and tshark, on one large generated capture, in one run.
#
#   BENCH_MB=250            size of the generated capture
#   BENCH_ROUNDS=5          rounds of floor, mailscope, --workers 2, libnids
#   BENCH_TSHARK_ROUNDS=3   rounds of tshark (slow); 0 to skip
#   BENCH_SCALE=100000      sessions open at once in the scale capture
#   BENCH_KEYLOG_MB=50      size of the key log TLS capture (0: no TLS part)
#
# The programs run alternating, round after round, on the same file (warm
# in the page cache); each row is the median of its rounds.  Prints a
# markdown report (also bench/out/latest.md): wall and CPU time, MB/s,
# sessions/s and peak RSS of each program, mailscope/floor and
# tshark/mailscope, the --workers 2 speed-up, the same for a capture of
# TLS sessions only (the mix has a fifth of them), and memory against open
# sessions: the peak on a capture a fifth the size, and VmRSS sampled while
# mailscope reads the scale capture (100,000 sessions opened, then closed).
# Then what TLS decryption costs: the same sessions made TLS with their key
# log (gen_capture keylog) read with --tls-keylog, without it, and in the
# clear; and per byte, decrypting each suite family against hashing
# (bench/crypto_cost.c).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${BENCH_MB:-250}
rounds=${BENCH_ROUNDS:-5}
trounds=${BENCH_TSHARK_ROUNDS:-3}
scale=${BENCH_SCALE:-100000}
kl_mb=${BENCH_KEYLOG_MB:-50}
out=bench/out
mkdir -p "$out"
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -x ./mailscope ] || { echo "bench: build ./mailscope first (make)" >&2; exit 1; }
cc -O2 -Ibench -o "$out/gen_capture" bench/gen_capture.c $(pkg-config --cflags --libs libssl libcrypto)
cc -O2 -Idissectors -Idissectors/model -Itests/unit -o "$out/crypto_cost" \
  bench/crypto_cost.c dissectors/tls_cbc.c dissectors/tls_crypto.c \
  dissectors/tls_kdf.c dissectors/tls_keys.c dissectors/tls_suites.c \
  dissectors/digest.c dissectors/model/vec.c $(pkg-config --cflags --libs libssl libcrypto)
cc -O2 -o "$out/floor" bench/floor.c $(pkg-config --cflags --libs libpcap)
# libnids 1.26 (Debian libnids-dev, static; libnet1-dev for -lnet), optional
nids=""
if [ -f /usr/include/nids.h ] &&
  cc -O2 -o "$out/nids_probe" bench/nids_probe.c -l:libnids.a \
    $(pkg-config --libs libpcap glib-2.0 gthread-2.0) -lnet 2>/dev/null; then
  nids="$out/nids_probe"
fi
workers=""
./mailscope --help 2>&1 | grep -q -- --workers && workers=1
tshark=""
command -v tshark >/dev/null && [ "$trounds" -gt 0 ] && tshark=1

# The captures, made once and again whenever the generator changes.
generate() { # file, gen_capture arguments...
  local f=$1
  shift
  if ! [ -s "$f" ] || ! [ "$f" -nt bench/gen_capture.c ] ||
    ! [ "$f" -nt bench/tls_handshakes.h ] || ! [ -s "$f.info" ]; then
    "$out/gen_capture" "$1" "$f" "${@:2}" 2>"$f.info"
  fi
}
cap="$out/mix-${mb}MB.pcap"
small_mb=$((mb / 5 > 1 ? mb / 5 : 1))
small="$out/mix-${small_mb}MB.pcap"
scap="$out/scale-$scale.pcap"
tcap="$out/tls-${small_mb}MB.pcap"
generate "$cap" mix "$mb" 64
generate "$small" mix "$small_mb" 64
generate "$tcap" tls "$small_mb" 64
generate "$scap" scale "$scale"
kcap="$out/keylog-${kl_mb}MB.pcap"
[ "$kl_mb" -gt 0 ] && generate "$kcap" keylog "$kl_mb" 64
size=$(stat -c %s "$cap")
sessions=$(./mailscope -J -q -r "$cap" | grep -c '"event":"session"')
tls_in_mix=$(./mailscope -J -q -r "$cap" | grep -c '"tls_handshake"')
tsize=$(stat -c %s "$tcap")
tsessions=$(./mailscope -J -q -r "$tcap" | grep -c '"event":"session"')

measure() { # name, command...: appends "wall cpu rss_kb" to $out/NAME.times
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$out/$name.one" "$@" >/dev/null 2>&1
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$out/$name.one" >>"$out/$name.times"
}
tshark_cmd=(tshark -n -r "$cap" -Y "smtp || pop" -T fields -e frame.number
  -e smtp.req.command -e smtp.req.parameter -e smtp.response.code
  -e pop.request.command -e pop.response.indicator -e imf.subject)
rm -f "$out"/*.times
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cat "$cap" "$small" "$scap" "$tcap" >/dev/null # into the page cache
[ "$kl_mb" -gt 0 ] && cat "$kcap" "$kcap.plain.pcap" >/dev/null
total=$((rounds > trounds ? rounds : trounds))
for r in $(seq "$total"); do
  if [ "$r" -le "$rounds" ]; then
    measure floor "$out/floor" "$cap"
    measure mailscope ./mailscope -J -q -r "$cap"
    [ -z "$workers" ] || measure workers2 ./mailscope --workers 2 -J -q -r "$cap"
    [ -z "$nids" ] || measure libnids "$nids" "$cap"
    measure floor_tls "$out/floor" "$tcap"
    measure mailscope_tls ./mailscope -J -q -r "$tcap"
    if [ "$kl_mb" -gt 0 ]; then
      measure kl_plain ./mailscope -J -q -r "$kcap.plain.pcap"
      measure kl_nokeys ./mailscope -J -q -r "$kcap"
      measure kl_keys ./mailscope -J -q -r "$kcap" --tls-keylog "$kcap.keylog"
    fi
  fi
  if [ -n "$tshark" ] && [ "$r" -le "$trounds" ]; then
    measure tshark "${tshark_cmd[@]}"
  fi
done
measure small ./mailscope -J -q -r "$small"

# VmRSS and bytes read (rchar) of mailscope on the scale capture, sampled
# every 10 ms: "milliseconds rchar rss_kb".
samples="$out/scale.samples"
: >"$samples"
start=$(date +%s%N)
# --max-memory far above what the sessions need (an idle one is charged
# about 1.7 KiB, so the default 512 MiB holds 100,000 of them), so that a
# larger BENCH_SCALE is never cut by the budget (memory_limit) either.
./mailscope --max-memory 8G -J -q -r "$scap" >/dev/null 2>&1 &
pid=$!
while :; do
  st=$(cat "/proc/$pid/status" 2>/dev/null) || break
  io=$(cat "/proc/$pid/io" 2>/dev/null) || break
  case "$st" in *"State:"*Z*) break ;; esac # exited, not yet reaped
  rss=$(echo "$st" | awk '/^VmRSS/ {print $2}')
  rchar=$(echo "$io" | awk '/^rchar/ {print $2}')
  [ -n "$rss" ] && [ -n "$rchar" ] &&
    echo "$((($(date +%s%N) - start) / 1000000)) $rchar $rss" >>"$samples"
  sleep 0.01
done
wait "$pid"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { cut -d' ' -f"$2" "$out/$1.times" | median; } # name, column
rss() { cut -d' ' -f3 "$out/$1.times" | sort -n | tail -1; }
row() { # name [bytes sessions]: the capture's, else the mix's
  awk -v n="$1" -v s="$(col "$1" 1)" -v c="$(col "$1" 2)" -v r="$(rss "$1")" \
    -v b="${2:-$size}" -v k="${3:-$sessions}" -v runs="$(wc -l <"$out/$1.times")" \
    'BEGIN {printf "| %s | %d | %.2f | %.2f | %.0f | %.0f | %.1f |\n", n, runs, s, c, b/1e6/(s>0?s:1e-9), k/(s>0?s:1e-9), r/1024}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/(b>0?b:1e-9)}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k/1024}'; }
{
  echo "capture: $cap, $(awk -v b="$size" 'BEGIN{printf "%.0f", b/1e6}') MB, $sessions sessions ($tls_in_mix with TLS);" \
    "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'));" \
    "load average $load_before before, $load_after after"
  echo
  echo "| program | runs | wall s (median) | CPU s (median) | MB/s | sessions/s | peak RSS MiB |"
  echo "|---|---|---|---|---|---|---|"
  row floor
  row mailscope
  [ -f "$out/workers2.times" ] && row workers2
  [ -f "$out/libnids.times" ] && row libnids
  [ -f "$out/tshark.times" ] && row tshark
  echo
  f=$(col floor 1)
  m=$(col mailscope 1)
  echo "mailscope / floor: $(ratio "$m" "$f")x (wall), $(ratio "$(col mailscope 2)" "$(col floor 2)")x (CPU)"
  if [ -f "$out/tshark.times" ]; then
    echo "tshark / mailscope: $(ratio "$(col tshark 1)" "$m")x (wall), $(ratio "$(col tshark 2)" "$(col mailscope 2)")x (CPU)"
  else
    echo "tshark / mailscope: tshark not installed or BENCH_TSHARK_ROUNDS=0"
  fi
  if [ -f "$out/workers2.times" ]; then
    echo "--workers 2 speed-up: $(ratio "$m" "$(col workers2 1)")x (wall; CPU $(col workers2 2) s against $(col mailscope 2) s)"
  else
    echo "--workers 2: not supported by this build"
  fi
  if [ -f "$out/libnids.times" ]; then
    echo "libnids (reassembly only, no decoding) / floor: $(ratio "$(col libnids 1)" "$f")x"
    echo "libnids on this capture: $("$nids" "$cap")"
  fi
  echo
  echo "TLS: $tcap, $(awk -v b="$tsize" 'BEGIN{printf "%.0f", b/1e6}') MB, $tsessions sessions, every one TLS with a real handshake" \
    "(SMTP STARTTLS and POP3 995: TLS 1.2 with two certificates; 465 and POP3 STLS: TLS 1.3), the mail exchange encrypted:"
  echo
  echo "| program | runs | wall s (median) | CPU s (median) | MB/s | sessions/s | peak RSS MiB |"
  echo "|---|---|---|---|---|---|---|"
  row floor_tls "$tsize" "$tsessions"
  row mailscope_tls "$tsize" "$tsessions"
  echo
  echo "mailscope / floor on TLS sessions: $(ratio "$(col mailscope_tls 1)" "$(col floor_tls 1)")x (wall)," \
    "$(awk -v c="$(col mailscope_tls 2)" -v f="$(col floor_tls 2)" -v k="$tsessions" 'BEGIN {printf "%.1f", (c - f) * 1e6 / k}') us CPU per session"
  echo
  echo "memory follows open sessions, not the size of the capture:"
  echo
  echo "| capture | MB | sessions open at once | peak RSS MiB |"
  echo "|---|---|---|---|"
  echo "| $small | $(awk -v b="$(stat -c %s "$small")" 'BEGIN{printf "%.0f", b/1e6}') | 64 | $(mib "$(rss small)") |"
  echo "| $cap | $(awk -v b="$size" 'BEGIN{printf "%.0f", b/1e6}') | 64 | $(mib "$(rss mailscope)") |"
  echo "| $scap | $(awk -v b="$(stat -c %s "$scap")" 'BEGIN{printf "%.0f", b/1e6}') | $scale | $(awk '{if ($3 > m) m = $3} END {printf "%.1f", m/1024}' "$samples") |"
  echo
  awk -v n="$scale" '{if ($3 > m) m = $3} END {printf "per open session: %.2f KiB (peak / %d, all open: --max-memory 8G)\n\n", m / n, n}' "$samples"
  echo "$scap, VmRSS sampled every 10 ms ($(wc -l <"$samples") samples): $(cat "$scap.info")"
  echo
  echo "| file read | phase | VmRSS MiB (highest sample in the step) |"
  echo "|---|---|---|"
  open_at=$(sed -n 's/.*open at byte \([0-9]*\).*/\1/p' "$scap.info")
  awk -v size="$(stat -c %s "$scap")" -v open_at="${open_at:-0}" '
    { step = int($2 * 10 / size); if (step > 10) step = 10
      if ($3 > m[step]) m[step] = $3; seen[step] = 1; last = $3 }
    END {
      for (s = 0; s <= 10; s++) if (seen[s]) {
        phase = (s + 1) * size / 10 <= open_at ? "sessions opening" : \
                s * size / 10 >= open_at ? "sessions closing" : "all open, closing starts"
        if (s == 10) phase = "end of file, exit"
        printf "| %s%% | %s | %.1f |\n", (s < 10 ? s * 10 "-" (s + 1) * 10 : "100"), phase, m[s] / 1024
      }
      printf "\nlast sample before exit: %.1f MiB\n", last / 1024
    }' "$samples"
  if [ "$kl_mb" -gt 0 ]; then
    echo
    echo "TLS decryption: $kcap, $(cat "$kcap.info")"
    echo
    echo "| mailscope on | runs | wall s (median) | CPU s (median) | MB/s of the capture | peak RSS MiB |"
    echo "|---|---|---|---|---|---|"
    for n in kl_plain kl_nokeys kl_keys; do
      case $n in
      kl_plain) what="the same sessions in the clear" f="$kcap.plain.pcap" ;;
      kl_nokeys) what="the TLS capture, no keys (handshakes only)" f="$kcap" ;;
      kl_keys) what="the TLS capture, --tls-keylog (decrypted)" f="$kcap" ;;
      esac
      awk -v n="$what" -v s="$(col $n 1)" -v c="$(col $n 2)" -v r="$(rss $n)" \
        -v b="$(stat -c %s "$f")" -v runs="$(wc -l <"$out/$n.times")" \
        'BEGIN {printf "| %s | %d | %.2f | %.2f | %.0f | %.1f |\n", n, runs, s, c, b/1e6/(s>0?s:1e-9), r/1024}'
    done
    echo
    echo "decrypted / in the clear: $(ratio "$(col kl_keys 2)" "$(col kl_plain 2)")x (CPU)"
    echo
    echo "per byte (bench/crypto_cost.c, best of 3):"
    echo
    "$out/crypto_cost" 64
  fi
} | tee "$out/latest.md"
