#!/usr/bin/env bash
# totals.sh [LOG] - per harness totals of the runs in fuzz-log.tsv (default
# build-fuzz/fuzz-log.tsv, appended to by fuzz/run.sh): runs, seconds,
# executions, findings, and the most edges and features one run reached.
set -euo pipefail
log=${1:-"$(dirname "$0")/../build-fuzz/fuzz-log.tsv"}
awk -F'\t' 'NR > 1 {
    runs[$2]++; secs[$2] += $3; execs[$2] += $4; found[$2] += $8
    if ($5 > edges[$2]) edges[$2] = $5
    if ($6 > ft[$2]) ft[$2] = $6
  }
  END {
    printf "%-10s %5s %8s %12s %6s %8s %8s\n", "harness", "runs", "seconds",
      "execs", "edges", "features", "findings"
    for (h in runs) {
      printf "%-10s %5d %8d %12d %6d %8d %8d\n", h, runs[h], secs[h],
        execs[h], edges[h], ft[h], found[h]
      ts += secs[h]; te += execs[h]; tf += found[h]
    }
    printf "%-10s %5s %8d %12d %6s %8s %8d\n", "total", "", ts, te, "", "", tf
  }' "$log"
