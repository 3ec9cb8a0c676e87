#!/usr/bin/env bash
# bench/report.sh - the HTML report of a big capture in headless Chromium
# (`make bench-report`; issue 18).  Makes a capture of about
# BENCH_REPORT_SESSIONS sessions (10,000) with bench/gen_capture.c's mix
# (about 21.4 sessions per MB), writes its report, and runs
# bench/report_bench.py over it (BENCH_REPORT_ROUNDS rounds, 5): time to
# first paint and to the drawn overview, time per filter, file size per
# session.  Prints markdown, also to bench/out/report.md.  A benchmark, run
# by hand: the numbers depend on the machine and its load.
set -eu
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
sessions=${BENCH_REPORT_SESSIONS:-10000}
rounds=${BENCH_REPORT_ROUNDS:-5}
chrome=/usr/bin/chromium
[ -x $chrome ] || { echo "bench/report.sh: needs $chrome (scripts/deps.sh test)" >&2; exit 1; }
if ! [ -x "$out/gen_capture" ] || [ bench/gen_capture.c -nt "$out/gen_capture" ]; then
  cc -O2 -o "$out/gen_capture" bench/gen_capture.c
fi
mb=$((sessions * 10 / 214 + 1))
cap="$out/report-mix-$sessions.pcap"
if ! [ -s "$cap" ] || [ "$out/gen_capture" -nt "$cap" ]; then
  "$out/gen_capture" mix "$cap" "$mb" 2>"$cap.info"
fi
start=$(date +%s.%N)
./mailscope -q --report "$out/report.html" -r "$cap" >/dev/null
end=$(date +%s.%N)
{
  /usr/bin/python3 bench/report_bench.py "$out/report.html" "$rounds"
  awk -v mb="$mb" -v s="$start" -v e="$end" \
    'BEGIN { printf "- mailscope -q --report over the %s MB capture: %.1f s\n", mb, e - s }'
} | tee "$out/report.md"
