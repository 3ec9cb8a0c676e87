#!/usr/bin/env bash
# run_tests.sh - run every test: the cmocka unit binaries, then each
# tests/t_*.sh script (golden captures, integration).  Each script gets
# MAILSCOPE (the binary under test) in its environment and exits 0 (pass),
# 77 (skipped, after saying why) or anything else (fail).
# Ends with the line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
bin=./mailscope
units=build/tests
while [ $# -gt 0 ]; do
  case "$1" in
  --bin) bin=$2; shift 2 ;;
  --units) units=$2; shift 2 ;;
  *) echo "usage: $0 [--bin BIN] [--units DIR]" >&2; exit 1 ;;
  esac
done
export MAILSCOPE=$bin
export PYTHON=/usr/bin/python3
passed=0 failed=0 skipped=0 failures=""
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

record() { # name, status
  case "$2" in
  0) passed=$((passed + 1)); echo "PASS $1" ;;
  77) skipped=$((skipped + 1)); echo "SKIP $1: $(tail -n 1 "$log/out")" ;;
  *) failed=$((failed + 1)); failures="$failures $1"
     echo "FAIL $1 (exit $2)"; tail -n 40 "$log/out" | sed 's/^/    /' ;;
  esac
}

for t in "$units"/test_*; do
  [ -x "$t" ] || continue
  "$t" >"$log/out" 2>&1
  rc=$? # before any $(...): a command substitution resets $?
  record "unit/${t##*/}" $rc
done
for t in tests/t_*.sh; do
  [ -f "$t" ] || continue
  bash "$t" >"$log/out" 2>&1
  rc=$?
  name=${t##*/}
  record "${name%.sh}" $rc
done
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
