#!/usr/bin/env bash
# t_fuzz_smoke.sh - the fuzz harnesses (fuzz/, docs/fuzzing.md) in the suite.
#
# 1. Every harness built standalone (-DFUZZ_STANDALONE) under ASan + UBSan
#    (make fuzz-standalone, sharing make asan's objects) replays every kept
#    regression input (tests/fuzz-regressions/H/), the seeds made from
#    pcaps/ through the real engine (fuzz/make_seeds.sh), and for SMTP and
#    POP3 400 deterministic mutated dialogues (tests/fuzz_inputs.py); the
#    kept capture findings are also read by $MAILSCOPE in every output mode.
# 2. With clang and libFuzzer, each harness is fuzzed for
#    FUZZ_SMOKE_SECONDS (default 20) from those inputs; any finding fails.
# Skips (77) only when clang or its libFuzzer runtime is missing, and only
# after step 1 passed.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
harnesses="smtp pop3 message sasl capture tls tls_crypto dns decompress options digest"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# -- 1. standalone replay under ASan ----------------------------------------
make -s --no-print-directory -j2 fuzz-standalone >/dev/null
FUZZ_EXTRA_CORPUS= fuzz/make_seeds.sh build-asan/fuzz/seeds "$tmp/seeds" \
  2>/dev/null | sed 's/^/  /'
"${PYTHON:-/usr/bin/python3}" tests/fuzz_inputs.py "$tmp/dialogues" 400
for h in $harnesses; do
  inputs=("$tmp/seeds/$h")
  [ -d "tests/fuzz-regressions/$h" ] && inputs+=("tests/fuzz-regressions/$h")
  case $h in smtp | pop3) inputs+=("$tmp/dialogues") ;; esac
  # the engine reports corrupt captures on stderr: keep only our verdicts
  if ! build-asan/fuzz/fuzz_$h "${inputs[@]}" 2>"$tmp/err"; then
    grep -v '^mailscope: ' "$tmp/err" | tail -n 40
    echo "FAIL: fuzz_$h (standalone, ASan) on a kept or seed input"
    exit 1
  fi
  tail -n 1 "$tmp/err" | sed 's/^/  /'
done

# Capture findings are captures: the binary under test ($MAILSCOPE, which
# is ./mailscope-asan under make asan) reads each in every output mode.
# Exit 0, or 2 for a corrupt capture; a crash or sanitizer stop is neither.
bin=${MAILSCOPE:-./mailscope}
for f in tests/fuzz-regressions/capture/*; do
  [ -f "$f" ] || continue
  for mode in "--format transcript --full-bodies --timestamps" "--json" \
    "--format ecs" "--format zeek --show-secrets"; do
    rc=0
    # shellcheck disable=SC2086
    "$bin" -q -r "$f" $mode --stats --report "$tmp/report.html" \
      --extract-dir "$tmp/extract" >/dev/null 2>"$tmp/err" || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
      tail -n 20 "$tmp/err"
      echo "FAIL: $bin -r $f $mode: exit $rc"
      exit 1
    fi
  done
done

# -- 2. a short libFuzzer run per harness ------------------------------------
seconds=${FUZZ_SMOKE_SECONDS:-20}
if ! command -v clang >/dev/null ||
  ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)
          { return d && n > 99999; }' |
  clang -fsanitize=fuzzer,address,undefined -x c - -o "$tmp/probe" \
    2>/dev/null; then
  echo "standalone replay passed; libFuzzer part skipped: clang or its" \
    "fuzzer runtime is missing (Debian: clang libclang-rt-14-dev)"
  exit 77
fi
[ "$seconds" -gt 0 ] || exit 0
make -s --no-print-directory fuzz-build >/dev/null
if ! nice -n 10 fuzz/run.sh --seconds "$seconds" --seeds "$tmp/seeds" \
  --work "$tmp/work" $harnesses; then
  echo "FAIL: libFuzzer found something; inputs in tests/fuzz-regressions" \
    "once fixed (see docs/fuzzing.md)"
  mkdir -p build-fuzz/smoke-findings
  cp -r "$tmp/work/findings" "$tmp/work/logs" build-fuzz/smoke-findings/
  echo "findings and logs kept in build-fuzz/smoke-findings/"
  exit 1
fi
