#!/usr/bin/env bash
# t_golden.sh - run mailscope over every capture listed in
# tests/golden/TESTLIST and compare the transcript and the NDJSON output
# with the reviewed files in tests/golden/expected/.
#
#   tests/t_golden.sh            compare (exit 1 and a diff on a mismatch)
#   tests/t_golden.sh --update   rewrite the expected files (review them!)
#
# TESTLIST: one case a line, "capture name [flags...]"; # starts a comment.
# The exit status of mailscope is part of the expected output.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
update=0
[ "${1:-}" = "--update" ] && update=1
exp=tests/golden/expected
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0 cases=0
while read -r capture name flags; do
  case "$capture" in "" | \#*) continue ;; esac
  cases=$((cases + 1))
  for kind in txt ndjson; do
    if [ $kind = txt ]; then fmt=""; else fmt="-J"; fi
    # shellcheck disable=SC2086
    "$bin" $fmt $flags -r "$capture" >"$tmp/out" 2>"$tmp/err"
    echo "# exit $?" >>"$tmp/out"
    sed "s#$capture#CAPTURE#g" "$tmp/err" >>"$tmp/out"
    if [ $update = 1 ]; then
      cp "$tmp/out" "$exp/$name.$kind"
    elif ! diff -u "$exp/$name.$kind" "$tmp/out" >"$tmp/diff" 2>&1; then
      echo "FAIL $name.$kind ($capture $flags)"
      head -n 60 "$tmp/diff"
      failed=$((failed + 1))
    fi
  done
done <tests/golden/TESTLIST
echo "golden: $cases captures, $failed mismatches"
[ $failed = 0 ]
