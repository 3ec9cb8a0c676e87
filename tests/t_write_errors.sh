#!/usr/bin/env bash
# t_write_errors.sh - nothing lost silently (docs/sensor.md).  Every output
# that cannot be written ends a run on capture files with exit status 2 and
# says once which file and why: standard output in every format and
# --json-file on /dev/full, with one process and with --workers.  As root
# (skipped otherwise, with the reason), on a 256 KiB tmpfs mounted in a
# private mount namespace: --extract-dir stops extracting with a message,
# leaves no empty and no cut file (every file left is whole: its sha256 is
# one the -J record gives: an empty file only for an empty message) and
# counts the failure in the stats record; on a 32 KiB one,
# --transcript-dir, --json-file and --zeek-dir end the run with exit 2.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, condition...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
said_once() { test "$(grep -c "^mailscope: $1: No space left on device" "$tmp/err")" = 1; }

for fmt in "-J" "--format ecs" "--format zeek" "--format zeek-json" "--stats"; do
  # shellcheck disable=SC2086
  "$bin" $fmt -r pcaps/demo.pcap >/dev/full 2>"$tmp/err"
  check "stdout on /dev/full ($fmt): exit 2" test $? = 2
  check "stdout on /dev/full ($fmt): said once" said_once "standard output"
done
"$bin" --workers 2 -J -r pcaps/demo.pcap >/dev/full 2>"$tmp/err"
check "stdout on /dev/full, --workers 2: exit 2" test $? = 2
check "stdout on /dev/full, --workers 2: said once" said_once "standard output"
for fmt in "-J" "--format ecs" "--format zeek"; do
  # shellcheck disable=SC2086
  "$bin" -q $fmt --json-file /dev/full -r pcaps/demo.pcap >/dev/null 2>"$tmp/err"
  check "--json-file /dev/full ($fmt): exit 2" test $? = 2
  check "--json-file /dev/full ($fmt): said once" said_once /dev/full
done
"$bin" -q --workers 2 --json-file /dev/full -r pcaps/demo.pcap >/dev/null 2>"$tmp/err"
check "--json-file /dev/full, --workers 2: exit 2" test $? = 2

if [ "$(id -u)" != 0 ]; then
  echo "the full-disk cases mount a tmpfs and need root: skipped"
  exit $fail
fi
if ! unshare -m true 2>/dev/null; then
  echo "no private mount namespace here (unshare -m): full-disk cases skipped"
  exit $fail
fi
# Enough captures to fill 256 KiB several times over.
set -- $(find pcaps/real pcaps/corpus -name '*.pcap' | sort | head -n 60)
inputs=()
for f in "$@"; do inputs+=(-r "$f"); done
mkdir -p "$tmp/small"
full() { # run mailscope with a 32 KiB tmpfs at $tmp/small
  unshare -m bash -c 'mount -t tmpfs -o size=32k tmpfs "$0" && exec "$@"' \
    "$tmp/small" "$bin" "$@"
}
# Extraction, and what it left (looked at before the namespace goes).
unshare -m bash -c '
  mount -t tmpfs -o size=256k tmpfs "$1" || exit 1
  "$2" -q --extract-dir "$1/ex" -J --stats "${@:4}" >"$3/ex.json" 2>"$3/err"
  echo $? >"$3/rc"
  find "$1/ex" -type f -empty >"$3/empty"
  (cd "$1/ex" && sha256sum -- *) >"$3/sums" 2>/dev/null
  true' _ "$tmp/small" "$bin" "$tmp" "${inputs[@]}"
check "full disk, extraction: exit 2" test "$(cat "$tmp/rc")" = 2
check "full disk, extraction: said once" test "$(grep -c "extraction stopped" "$tmp/err")" = 1
# an empty file is an empty message or attachment (BDAT 0 LAST), not a
# file that could not be written: the sha256 check below sees to it
check "full disk: files were written before it filled" test -s "$tmp/sums"
check "full disk: every file left is whole" "$py" - "$tmp/ex.json" "$tmp/sums" <<'PY'
import json, sys
want = set()
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    if r["event"] == "stats":
        stats = r
        continue
    msgs = [t.get("message") for t in r.get("transactions", [])] + \
           [m.get("message") for m in r.get("messages", [])]
    for m in msgs:
        if m:
            want.add(m["sha256"])
            want.update(a["sha256"] for a in m["attachments"])
got = [l.split()[0] for l in open(sys.argv[2])]
cut = [h for h in got if h not in want]
print("files left %d, not whole %d, stats extract_failed %d files_extracted %d"
      % (len(got), len(cut), stats["extract_failed"], stats["files_extracted"]))
sys.exit(1 if cut or stats["extract_failed"] < 1 or
         stats["files_extracted"] != len(got) else 0)
PY
for out in "--transcript-dir $tmp/small/tr" "--json-file $tmp/small/j.ndjson" "--zeek-dir $tmp/small/z"; do
  # shellcheck disable=SC2086
  full -q $out "${inputs[@]}" >/dev/null 2>"$tmp/err"
  check "full disk, ${out%% *}: exit 2" test $? = 2
  check "full disk, ${out%% *}: said" grep -q "No space left on device" "$tmp/err"
done
exit $fail
