#!/usr/bin/env bash
# t_workers.sh - --workers 2 and 3 give the same output as one process,
# record for record, in every format, over every capture in pcaps/; and
# the same HTML report, byte for byte (links to extracted files included).
# Except for two anomalies that compare sessions across the capture
# (starttls_stripped, starttls_downgrade): each worker remembers only
# its own flows' sessions (docs/design.md "STARTTLS memory"), so they are
# set aside in both outputs before comparing.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
# Drop the capture-wide STARTTLS anomalies from NDJSON records and from
# transcript footers.
aside() {
  "${PYTHON:-/usr/bin/python3}" -c '
import json, sys
names = {"starttls_stripped", "starttls_downgrade"}
for line in sys.stdin:
    if line.startswith("{"):
        d = json.loads(line)
        if "anomalies" in d:
            d["anomalies"] = [a for a in d["anomalies"]
                              if a.get("name") not in names]
            line = json.dumps(d) + "\n"
    elif line.startswith("# anomalies:"):
        kept = [w for w in line.split()[2:] if w not in names]
        line = "# anomalies: " + " ".join(kept) + "\n" if kept else ""
    sys.stdout.write(line)
'
}
for f in $(find pcaps -name '*.pcap' -o -name '*.pcapng' | sort); do
  for fmt in json transcript zeek; do
    "$bin" -q --format $fmt -r "$f" 2>/dev/null | aside >"$tmp/one"
    for w in 2 3; do
      "$bin" -q --workers $w --format $fmt -r "$f" 2>/dev/null | aside >"$tmp/many"
      n=$((n + 1))
      if ! cmp -s "$tmp/one" "$tmp/many"; then
        echo "FAIL $f --format $fmt --workers $w"
        diff "$tmp/one" "$tmp/many" | head -5
        fail=1
      fi
    done
  done
done
"$bin" -q --workers 2 --json-file "$tmp/j" -J -r pcaps/demo.pcap -r pcaps/edge/bdat.pcap >"$tmp/o"
cmp -s "$tmp/j" "$tmp/o" || { echo "FAIL --json-file differs from stdout"; fail=1; }
# The report: each worker renders its sessions, the parent merges them.
all=$(find pcaps -name '*.pcap' | sort | sed 's/^/-r /')
# shellcheck disable=SC2086
"$bin" -q -J --report "$tmp/r1.html" --extract-dir "$tmp/x" $all >"$tmp/rj1" 2>/dev/null
for w in 2 3; do
  rm -rf "$tmp/x"
  # shellcheck disable=SC2086
  "$bin" -q -J --workers $w --report "$tmp/r$w.html" --extract-dir "$tmp/x" $all >"$tmp/rj$w" 2>/dev/null
  n=$((n + 1))
  # Byte for byte, but for the anomalies that compare sessions across the
  # capture (set aside above): then the same rows and details, each in its
  # NDJSON's order (tests/report_same.py).
  cmp -s "$tmp/r1.html" "$tmp/r$w.html" ||
    "${PYTHON:-python3}" tests/report_same.py "$tmp/r1.html" "$tmp/rj1" "$tmp/r$w.html" "$tmp/rj$w" ||
    { echo "FAIL --report with --workers $w differs"; fail=1; }
done
grep -q '"x":"' "$tmp/r1.html" || { echo "FAIL the report links no extracted file"; fail=1; }
# Standard input can be read once: --workers falls back to one process,
# says so, and the output is the same.
"$bin" -q -J -r pcaps/demo.pcap >"$tmp/one"
"$bin" --workers 2 -J -r - <pcaps/demo.pcap >"$tmp/many" 2>"$tmp/err"
cmp -s "$tmp/one" "$tmp/many" || { echo "FAIL --workers 2 -r - differs"; fail=1; }
grep -q 'standard input can be read only once' "$tmp/err" || { echo "FAIL no notice for -r - with --workers"; fail=1; }
# The parent reads each file once for all workers: compressed captures,
# pcapng, several files, a truncated one, one that cannot be opened, one
# whose reading fails (a directory), a cut compressed one give the same
# output, the same messages (once) and the same exit status as one process.
ng=$(find pcaps -name '*.pcapng' | sort | head -1)
sandbox="" # the parent reads the files inside its sandbox too
"$bin" -q --sandbox -r pcaps/demo.pcap >/dev/null 2>&1 && sandbox=1
head -c 3000 pcaps/demo.pcap >"$tmp/trunc.pcap"
gzip -c pcaps/demo.pcap | head -c 2000 >"$tmp/cut.pcap.gz"
set -- -r pcaps/demo.pcap
for z in gzip xz zstd; do
  command -v $z >/dev/null || continue
  $z -c pcaps/edge/bdat.pcap >"$tmp/c.pcap.$z"
  $z -c "$ng" >"$tmp/c.pcapng.$z"
  set -- "$@" -r "$tmp/c.pcap.$z" -r "$tmp/c.pcapng.$z"
done
for args in "-r $ng -r pcaps/demo.pcap $*" \
  "-r $tmp/trunc.pcap -r $tmp/missing -r $tmp -r $tmp/cut.pcap.gz -r $ng"; do
  # shellcheck disable=SC2086
  "$bin" -q -J $args >"$tmp/one" 2>"$tmp/one.err"
  one=$?
  for w in 2 3 "2 --sandbox"; do
    [ "$w" = "2 --sandbox" ] && [ -z "$sandbox" ] && continue
    # shellcheck disable=SC2086
    "$bin" -q -J --workers $w $args >"$tmp/many" 2>"$tmp/many.err"
    many=$?
    n=$((n + 1))
    if ! cmp -s "$tmp/one" "$tmp/many" || ! cmp -s "$tmp/one.err" "$tmp/many.err" ||
      [ "$one" != "$many" ]; then
      echo "FAIL --workers $w $args: exit $one/$many"
      diff "$tmp/one.err" "$tmp/many.err" | head -5
      diff "$tmp/one" "$tmp/many" | head -5
      fail=1
    fi
  done
done
echo "workers: $n comparisons"
exit $fail
