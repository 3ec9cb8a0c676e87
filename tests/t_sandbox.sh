#!/usr/bin/env bash
# t_sandbox.sh - --sandbox changes nothing but the system calls allowed:
# over every golden capture the NDJSON, transcript (with --stats), ECS and
# Zeek outputs, --json-file, --transcript-dir and --extract-dir are the
# same with and without it, in one process and with --workers 2 (whose
# parent is filtered too).  What the filter refuses is tested by
# tests/unit/test_sandbox.c; the live case by t_live_workers.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
case "$bin" in
*asan*) export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 ;; # LSan needs ptrace, which the sandbox refuses
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # dir, extra options...: every output of one capture into dir
  local d=$1
  shift
  mkdir -p "$d"
  "$bin" -J -q "$@" --json-file "$d/file.json" --transcript-dir "$d/tr" \
    --extract-dir "$d/ex" -r "$cap" >"$d/out.json" 2>"$d/err" || echo "exit $?" >>"$d/err"
  "$bin" --stats -q "$@" -r "$cap" 2>>"$d/err" | sed 's/, [0-9.]* s$//' >"$d/out.txt" || true
  "$bin" --format ecs -q "$@" -r "$cap" >"$d/out.ecs" 2>>"$d/err" || true
  "$bin" --format zeek -q "$@" -r "$cap" >"$d/out.zeek" 2>>"$d/err" || true
  (cd "$d/ex" && find . -type f -exec sha256sum {} + | sort) >"$d/ex.sums"
  rm -rf "$d/ex"
}
count=0
for cap in $(grep -v '^#' tests/golden/TESTLIST | awk '{print $1}' | sort -u); do
  for w in 1 2; do
    rm -rf "$tmp/a" "$tmp/b"
    run "$tmp/a" --workers $w
    run "$tmp/b" --workers $w --sandbox
    diff -r "$tmp/a" "$tmp/b" >"$tmp/diff" || {
      echo "$cap (--workers $w): --sandbox changed the output:"
      head -40 "$tmp/diff"
      exit 1
    }
  done
  count=$((count + 1))
done
echo "$count captures: every output identical under --sandbox, 1 and 2 workers"
