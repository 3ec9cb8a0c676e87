#!/usr/bin/env bash
# ab.sh - CPU time of two mailscope binaries (and the libpcap floor) on one
# capture, alternating, round after round.
#
#   bench/ab.sh OLD NEW CAPTURE [ROUNDS] [-- MAILSCOPE ARGS...]
#
# Each round runs the floor (bench/out/floor, made by make bench), OLD and
# NEW one after the other on the same file (warm in the page cache) with
# the arguments (default -J -q; output to /dev/null).  On a shared machine
# wall time says little: this compares user+system CPU time, and prints
# the median and minimum of each, NEW/OLD, and each against the floor.
set -euo pipefail
old=$1 new=$2 cap=$3
rounds=${4:-7}
shift 3
[ $# -gt 0 ] && shift
[ "${1:-}" = -- ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-J -q)
floor=${FLOOR:-$(dirname "$0")/out/floor}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cpu() { # file, command...: appends user+sys seconds
  local f=$1
  shift
  /usr/bin/time -f "%U %S" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; exit 1; }
  awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/t" >>"$f"
}
cat "$cap" >/dev/null
for ((r = 0; r < rounds; r++)); do
  [ -x "$floor" ] && cpu "$tmp/floor" "$floor" "$cap"
  cpu "$tmp/old" "$old" "${args[@]}" -r "$cap"
  cpu "$tmp/new" "$new" "${args[@]}" -r "$cap"
done
stat_of() { # file: "median min"
  sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.3f %.3f", v[int((NR + 1) / 2)], v[1] }'
}
read -r om omin <<<"$(stat_of "$tmp/old")"
read -r nm nmin <<<"$(stat_of "$tmp/new")"
echo "CPU seconds over $rounds rounds (median, min):"
if [ -s "$tmp/floor" ]; then
  read -r fm fmin <<<"$(stat_of "$tmp/floor")"
  echo "  floor  $fm $fmin"
fi
echo "  old    $om $omin"
echo "  new    $nm $nmin"
awk -v o="$om" -v n="$nm" -v omin="$omin" -v nmin="$nmin" \
  'BEGIN { printf "  new/old  median %.3f  min %.3f\n", n / o, nmin / omin }'
if [ -s "$tmp/floor" ]; then
  awk -v o="$om" -v n="$nm" -v f="$fm" -v omin="$omin" -v nmin="$nmin" \
    -v fmin="$fmin" 'BEGIN { printf "  /floor   old %.2f (min %.2f)  new %.2f (min %.2f)\n", o / f, omin / fmin, n / f, nmin / fmin }'
fi
