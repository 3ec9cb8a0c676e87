#!/usr/bin/env bash
# run.sh [--seconds N] [--bin DIR] [--seeds DIR] [--work DIR] HARNESS...
#
# Runs the libFuzzer harnesses (DIR/fuzz_H, default build-fuzz/fuzz) one
# after another, each for N seconds (default 120), from its seeds
# (--seeds, default build-fuzz/seeds/H, made by make_seeds.sh), the kept
# regression inputs (tests/fuzz-regressions/H) and its corpus
# (WORK/corpus/H, which grows from run to run), with its dictionaries.
# WORK (default build-fuzz) also gets findings/H/ (crash-, leak-,
# timeout-, oom- files), logs/ and fuzz-log.tsv, to which each run appends
# what it printed: seconds, executions, coverage (edges, features), corpus
# size, findings.  Exits 1 when anything was found.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=120
bindir=build-fuzz/fuzz
seeds=build-fuzz/seeds
dir=build-fuzz
while [ $# -gt 0 ]; do
  case "$1" in
  --seconds) seconds=$2; shift 2 ;;
  --bin) bindir=$2; shift 2 ;;
  --seeds) seeds=$2; shift 2 ;;
  --work) dir=$2; shift 2 ;;
  -*) echo "usage: $0 [--seconds N] [--bin DIR] [--seeds DIR] [--work DIR]" \
        "HARNESS..." >&2
      exit 2 ;;
  *) break ;;
  esac
done
[ $# -gt 0 ] || set -- smtp pop3 message sasl capture tls tls_crypto dns decompress options digest

# Per harness: longest input, dictionaries.  Capture files need room for a
# few dozen packets; a dissector script or a message for several commands,
# headers and MIME parts.
max_len() {
  case "$1" in
  capture) echo 131072 ;;
  sasl | tls_crypto | options) echo 8192 ;;
  *) echo 65536 ;;
  esac
}
dicts() {
  case "$1" in
  smtp) echo fuzz/smtp.dict fuzz/message.dict fuzz/sasl.dict ;;
  pop3) echo fuzz/pop3.dict fuzz/message.dict fuzz/sasl.dict ;;
  message) echo fuzz/message.dict ;;
  sasl) echo fuzz/sasl.dict ;;
  tls_crypto) echo fuzz/tls_crypto.dict ;;
  capture) echo fuzz/capture.dict fuzz/smtp.dict fuzz/pop3.dict ;;
  tls) echo fuzz/tls.dict ;;
  dns) echo fuzz/dns.dict ;;
  decompress) echo fuzz/decompress.dict ;;
  options) echo fuzz/options.dict ;;
  digest) echo fuzz/digest.dict ;;
  esac
}

found_any=0
mkdir -p "$dir/dict" "$dir/logs"
[ -f "$dir/fuzz-log.tsv" ] ||
  printf 'date\tharness\tseconds\texecs\tedges\tfeatures\tcorpus\tfindings\n' \
    >"$dir/fuzz-log.tsv"
for h in "$@"; do
  bin=$bindir/fuzz_$h
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is missing (make fuzz-build)" >&2
    exit 2
  fi
  cat $(dicts "$h") >"$dir/dict/$h.dict"
  corpus=$dir/corpus/$h
  findings=$dir/findings/$h
  mkdir -p "$corpus" "$findings"
  inputs=("$corpus")
  for d in "$seeds/$h" "tests/fuzz-regressions/$h"; do
    [ -d "$d" ] && inputs+=("$d")
  done
  before=$(find "$findings" -type f | wc -l)
  log=$dir/logs/$h-$(date +%Y%m%d-%H%M%S).log
  start=$(date +%s)
  # stderr of the code under test is closed (-close_fd_mask=2): the engine
  # says "mailscope: FILE: ..." for every corrupt capture; libFuzzer's and
  # the sanitizers' reports still come through.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$seconds" -max_len="$(max_len "$h")" \
    -timeout=5 -rss_limit_mb=1536 -malloc_limit_mb=512 \
    -dict="$dir/dict/$h.dict" -artifact_prefix="$findings/" \
    -close_fd_mask=2 -print_final_stats=1 -reload=0 \
    "${inputs[@]}" >"$log" 2>&1
  rc=$?
  elapsed=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+.*cov: [0-9]+' "$log" | tail -n 1)
  edges=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  features=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  units=$(find "$corpus" -type f | wc -l)
  after=$(find "$findings" -type f \( -name 'crash-*' -o -name 'leak-*' \
    -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  new=$((after - before))
  if [ "$new" -lt 0 ]; then new=0; fi
  if [ "$rc" -ne 0 ] && [ "$new" -eq 0 ]; then
    new=1 # stopped without an artifact: still a finding, see the log
  fi
  printf 'fuzz_%-8s %4ss  %10s execs  %5s edges  %6s features  %5s corpus  %s findings\n' \
    "$h" "$elapsed" "${execs:-?}" "${edges:-?}" "${features:-?}" "$units" "$new"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -Iseconds)" "$h" \
    "$elapsed" "${execs:-0}" "${edges:-0}" "${features:-0}" "$units" "$new" \
    >>"$dir/fuzz-log.tsv"
  if [ "$new" -gt 0 ]; then
    found_any=1
    echo "  log: $log"
    grep -E '^(==[0-9]+==|SUMMARY|fuzz: |artifact_prefix|Test unit written)' \
      "$log" | head -n 8 | sed 's/^/  /'
  fi
done
exit "$found_any"
