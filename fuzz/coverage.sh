#!/usr/bin/env bash
# coverage.sh [CORPUS_ROOT] - line coverage of the code under test reached
# by the fuzz corpora: builds every harness standalone with clang's
# source-based coverage (build-cov/), replays CORPUS_ROOT/H (default
# build-fuzz/corpus), the seeds and the kept regressions, and prints
# per file of src/ and dissectors/ its lines, lines missed, line and
# branch coverage (llvm-cov report).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-build-fuzz/corpus}
cov="-O0 -g -fprofile-instr-generate -fcoverage-mapping"
make -s --no-print-directory BUILD=build-cov CC=clang OPT_CFLAGS="$cov" \
  FUZZ_CHECK_OPT="-O1 -g" FUZZ_DEFS=-DFUZZ_STANDALONE \
  FUZZ_LINK=-fprofile-instr-generate fuzz-harnesses >/dev/null
rm -f build-cov/*.profraw
objects=()
for h in smtp pop3 message sasl capture; do
  inputs=()
  for d in "$root/$h" "build-fuzz/seeds/$h" "tests/fuzz-regressions/$h"; do
    [ -d "$d" ] && inputs+=("$d")
  done
  LLVM_PROFILE_FILE="build-cov/$h.profraw" nice -n 10 \
    "build-cov/fuzz/fuzz_$h" "${inputs[@]}" 2>&1 | grep 'inputs replayed' || true
  objects+=(-object "build-cov/fuzz/fuzz_$h")
done
llvm-profdata merge -o build-cov/all.profdata build-cov/*.profraw
# (the first binary is named without -object) file, lines, lines missed,
# line coverage, branch coverage
llvm-cov report "${objects[@]:1}" -instr-profile=build-cov/all.profdata \
  "$PWD/src" "$PWD/dissectors" 2>/dev/null | sed "s|$PWD/||" |
  awk 'NF >= 13 && $1 != "Filename" {
         printf "%-28s %6s %6s %8s %8s\n", $1, $8, $9, $10, $13 }'

