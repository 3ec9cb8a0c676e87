#!/usr/bin/env bash
# t_hostile.sh - hostile captures, generated here into a temp dir by
# tests/hostile/gen.py (corrupt and truncated pcap/pcapng files, snaplen
# cuts, random binary on ports 25 and 110, a 2 MB line, 200,000 half-open
# connections, a session flood over --max-sessions, overlapping
# retransmissions, 100,000 pipelined commands, absurd BDAT sizes, junk
# AUTH, MIME nested 10,000 deep, 100,000 headers, escape sequences, hostile
# attachment names; and issue 20's, tests/hostile/gen_round2.py: tuples
# chosen to share a bucket, duplicates before the tail of a long queue,
# xz and zstd asking for too much memory, fragment and session floods under
# --max-memory, a record over --max-record-bytes, retransmissions, RSTs,
# FINs and fragments that differ or fall outside the window, a base64
# message/rfc822 part, times past 2038).  Each also carries one well-formed
# session.  For each:
# the exit status (2 and "mailscope: FILE: what, at offset N" for a broken
# file, else 0: no crash), peak RSS under the bound of docs/design.md
# (/usr/bin/time; skipped under AddressSanitizer, which inflates RSS), the
# anomalies named, the limits counted in the stats record, the well-formed
# session decoded completely (check.py), every -J line strict UTF-8 JSON,
# no raw control byte in the transcript.  Then --extract-dir with hostile
# names: nothing written outside the directory, nothing overwritten.
# Complexity cases also have a wall time to stay under (generous: what they
# catch is 10-100 times slower), checked with the RSS bound.  HOSTILE_CASES
# runs only the cases named (and skips the extraction part).
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
fact() { # case, python expression on the facts f
  "$py" -c 'import json, sys; f = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
    "$tmp/$1.json" "$2"
}

rss_bound=1
if ldd "$bin" 2>/dev/null | grep -q libasan; then
  rss_bound=0
  echo "note: $bin is built with AddressSanitizer (shadow memory, quarantine):"
  echo "      peak RSS is measured and printed, its bound is not checked"
fi

# peak RSS in KiB and wall seconds of the run that wrote $1 (GNU time
# prints a status line first when the command failed)
peak() { tail -n 1 "$1" | cut -d' ' -f1; }
seconds() { tail -n 1 "$1" | cut -d' ' -f2; }

# A capture mailscope must refuse (issue 20: a decompressor over its share
# of --max-memory): exit 2, one line naming what to raise, nothing decoded;
# read after all with facts accept_args.
run_refused() {
  local c=$1 cap=$2 rc=$3 what accept
  what=$(fact "$c" 'f["refused"]')
  check "$c: refused, exit 2 (got $rc)" test "$rc" = 2
  check "$c: one line on stderr" test "$(wc -l <"$tmp/$c.err")" = 1
  check "$c: it names $what" grep -q -- "$what" "$tmp/$c.err"
  check "$c: it does not call the file corrupt" \
    test -z "$(grep corrupt "$tmp/$c.err")"
  check "$c: nothing decoded" test -z "$(grep '"event":"session"' "$tmp/$c.ndjson")"
  accept=$(fact "$c" '" ".join(f["accept_args"])')
  # shellcheck disable=SC2086
  "$bin" -J --stats $accept -r "$cap" >"$tmp/$c.ndjson" 2>"$tmp/$c.err"
  check "$c: read with '$accept': exit 0" test $? = 0
  "$py" tests/hostile/check.py json "$tmp/$c.json" "$tmp/$c.ndjson" |
    sed "s/^/     $c: /"
  check "$c: with '$accept', output as expected" test "${PIPESTATUS[0]}" = 0
  rm -f "$cap" "$tmp/$c.ndjson"
}

run_case() {
  local c=$1
  "$py" tests/hostile/gen.py "$tmp" "$c" >/dev/null ||
    { echo "FAIL $c: generator"; fail=1; return; }
  local cap args want_rc rc
  cap=$(fact "$c" 'f["capture"]')
  args=$(fact "$c" '" ".join(f.get("args", []))')
  want_rc=$(fact "$c" '2 if "fault_offset" in f else 0')
  # shellcheck disable=SC2086
  /usr/bin/time -f "%M %e" -o "$tmp/$c.rss" "$bin" -J --stats $args \
    -r "$cap" >"$tmp/$c.ndjson" 2>"$tmp/$c.err"
  rc=$?
  if [ -n "$(fact "$c" 'f.get("refused", "")')" ]; then
    run_refused "$c" "$cap" "$rc"
    return
  fi
  check "$c: exit status $want_rc (got $rc)" test "$rc" = "$want_rc"
  if [ "$want_rc" = 2 ]; then
    local off lo
    lo=$(fact "$c" 'f["fault_offset"]')
    check "$c: one line on stderr" test "$(wc -l <"$tmp/$c.err")" = 1
    check "$c: 'mailscope: FILE: what, at offset N'" \
      grep -Eq "^mailscope: $cap: [^:].*, at offset [0-9]+\$" "$tmp/$c.err"
    off=$(sed -n 's/.*, at offset \([0-9]*\)$/\1/p' "$tmp/$c.err")
    check "$c: offset $off at the fault ($lo)" \
      test "${off:-0}" -ge "$lo" -a "${off:-0}" -le $((lo + 64))
    "$bin" -J -r - <"$cap" >/dev/null 2>"$tmp/$c.stdin.err"
    check "$c: from a pipe: exit 2, the same offset" \
      grep -q "^mailscope: -: .*, at offset $off\$" "$tmp/$c.stdin.err"
  else
    local want_err
    want_err=$(fact "$c" 'f.get("stderr", "")')
    if [ -n "$want_err" ]; then
      check "$c: stderr says '$want_err', once" \
        test "$(grep -c "$want_err" "$tmp/$c.err")" = 1 -a "$(wc -l <"$tmp/$c.err")" = 1
    else
      check "$c: nothing on stderr" test ! -s "$tmp/$c.err"
    fi
  fi
  "$py" tests/hostile/check.py json "$tmp/$c.json" "$tmp/$c.ndjson" |
    sed "s/^/     $c: /"
  check "$c: output as expected (check.py json)" test "${PIPESTATUS[0]}" = 0
  local secs max_secs
  secs=$(seconds "$tmp/$c.rss")
  max_secs=$(fact "$c" 'f.get("max_seconds", 0)')
  if [ $rss_bound = 1 ]; then
    "$py" tests/hostile/check.py rss "$tmp/$c.json" "$(peak "$tmp/$c.rss")" |
      sed "s/^/     $c: /"
    check "$c: peak RSS under the documented bound" test "${PIPESTATUS[0]}" = 0
    if [ "$max_secs" != 0 ]; then
      check "$c: $secs s, under $max_secs s (no quadratic path)" \
        "$py" -c "import sys; sys.exit(float('$secs') > $max_secs)"
    fi
  else
    echo "     $c: peak RSS $(peak "$tmp/$c.rss") KiB, $secs s (bounds not checked)"
  fi
  if [ "$(fact "$c" 'f.get("repeat", False)')" = True ]; then
    # shellcheck disable=SC2086
    "$bin" -J --stats $args -r "$cap" >"$tmp/$c.again" 2>/dev/null
    check "$c: a second run (another hash key) writes the same records" \
      cmp -s <(sed 's/"seconds":.*//' "$tmp/$c.ndjson") \
      <(sed 's/"seconds":.*//' "$tmp/$c.again")
    rm -f "$tmp/$c.again"
  fi
  if [ "$(fact "$c" 'f.get("stdin", False)')" = True ]; then
    # shellcheck disable=SC2086
    "$bin" -J --stats $args -r - <"$cap" >"$tmp/$c.stdin" 2>/dev/null
    "$py" tests/hostile/check.py json "$tmp/$c.json" "$tmp/$c.stdin" |
      sed "s/^/     $c (stdin): /"
    check "$c: from standard input (libpcap's reader) as expected" \
      test "${PIPESTATUS[0]}" = 0
    rm -f "$tmp/$c.stdin"
  fi
  # shellcheck disable=SC2086
  "$bin" --stats --full-bodies --timestamps $args -r "$cap" >"$tmp/$c.txt" \
    2>/dev/null
  check "$c: transcript run exits $want_rc" test $? = "$want_rc"
  "$py" tests/hostile/check.py text "$tmp/$c.json" "$tmp/$c.txt" |
    sed "s/^/     $c: /"
  check "$c: transcript safe and complete (check.py text)" \
    test "${PIPESTATUS[0]}" = 0
  for fmt in ecs zeek-json; do
    # shellcheck disable=SC2086
    "$bin" --format $fmt $args -r "$cap" >"$tmp/$c.$fmt" 2>/dev/null
    "$py" tests/hostile/check.py lines "$tmp/$c.$fmt" | sed "s/^/     $c: /"
    check "$c: --format $fmt lines are strict UTF-8 JSON" \
      test "${PIPESTATUS[0]}" = 0
    rm -f "$tmp/$c.$fmt"
  done
  # shellcheck disable=SC2086
  "$bin" --format zeek $args -r "$cap" >"$tmp/$c.zeek" 2>/dev/null
  "$py" tests/zeek_tsv.py check "$tmp/$c.zeek" | sed "s/^/     $c: /"
  check "$c: --format zeek is well-formed Zeek TSV" test "${PIPESTATUS[0]}" = 0
  rm -f "$tmp/$c.zeek"
  if [ "$(fact "$c" 'f.get("workers", False)')" = True ]; then
    # shellcheck disable=SC2086
    "$bin" -J --stats --workers 2 $args -r "$cap" >"$tmp/$c.w2" 2>/dev/null
    check "$c: --workers 2 writes the same records, limits summed" \
      cmp -s <(sed 's/"seconds":.*//' "$tmp/$c.ndjson") \
      <(sed 's/"seconds":.*//' "$tmp/$c.w2")
  fi
  rm -f "$cap" "$tmp/$c.ndjson" "$tmp/$c.txt"
}

for c in ${HOSTILE_CASES:-$("$py" tests/hostile/gen.py --list)}; do
  [ "$c" = extract ] && continue
  run_case "$c"
done
[ -n "${HOSTILE_CASES:-}" ] && exit $fail

# --- --extract-dir with hostile attachment names ------------------------------
x=$tmp/x
mkdir -p "$x/ex" "$x/outside" "$x/cwd" "$x/probe"
"$py" tests/hostile/gen.py "$tmp" extract "$x/outside" >/dev/null
cap=$tmp/extract.pcap
# Learn the names mailscope gives, then plant, in the real directory, a
# file and a symbolic link (to a file outside) under two of those names.
"$bin" -q --extract-dir "$x/probe" -r "$cap" >/dev/null
collide=$(cd "$x/probe" && ls | grep -- '-collide.txt$' | head -n 1)
link=$(cd "$x/probe" && ls | grep -- '-link.txt$' | head -n 1)
check "extract: probe run named the attachments" test -n "$collide" -a -n "$link"
echo precious >"$x/ex/$collide"
echo outside >"$x/outside/target"
ln -s "$x/outside/target" "$x/ex/$link"
sha_before=$(sha256sum /etc/passwd "$x/ex/$collide" "$x/outside/target")
(cd "$x" && find . -path ./probe -prune -o -print | sort) >"$tmp/before"
(cd "$x/cwd" && "$bin" -J --stats --extract-dir "$x/ex" -r "$cap" >"$tmp/ex.ndjson" 2>"$tmp/ex.err")
check "extract: exit 0" test $? = 0
(cd "$x" && find . -path ./probe -prune -o -print | sort) >"$tmp/after"
comm -13 "$tmp/before" "$tmp/after" >"$tmp/new"
check "extract: everything new is a plain file directly in --extract-dir" \
  "$py" - "$tmp/new" "$x" <<'PY'
import os, sys
x = sys.argv[2]
bad = []
for line in open(sys.argv[1], "rb").read().split(b"\n"):
    if not line:
        continue
    p = line.decode("utf-8", "surrogateescape")
    d, name = os.path.split(p)
    full = os.path.join(x, p)
    if d != "./ex" or not os.path.isfile(full) or os.path.islink(full):
        bad.append(p)
    elif (name.startswith(".") or len(line) > 255 or "/" in name or
          "\\" in name or any(ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f or
                               0xdc80 <= ord(ch) <= 0xdcff or  # not UTF-8
                               0x202a <= ord(ch) <= 0x202e or
                               0x2066 <= ord(ch) <= 0x2069 or
                               ord(ch) in (0x200e, 0x200f, 0x061c, 0x2028,
                                           0x2029, 0xfeff) for ch in name)):
        bad.append(p)
for p in bad:
    print("    unsafe:", repr(p))
sys.exit(1 if bad else 0)
PY
want=$(fact extract 'f["attachments"] + 3') # + the good one's, two .eml
check "extract: one file per attachment and message ($want)" \
  test "$(wc -l <"$tmp/new")" = "$want"
check "extract: no pre-existing file changed, nothing outside touched" \
  test "$sha_before" = "$(sha256sum /etc/passwd "$x/ex/$collide" "$x/outside/target")"
check "extract: the planted link is still the same link" \
  test "$(readlink "$x/ex/$link")" = "$x/outside/target"
check "extract: nothing written outside the directory" \
  test -z "$(comm -13 "$tmp/before" "$tmp/after" | grep -v '^\./ex/')"
check "extract: nothing in the working directory" test -z "$(ls -A "$x/cwd")"
good_sha=$(fact extract 'f["good"]["message"]["attachments"][0]["sha256"]')
good_name=$(fact extract 'f["good"]["message"]["attachments"][0]["filename"]')
check "extract: the good attachment's bytes" \
  sh -c "sha256sum '$x/ex/'*-'$good_name' | grep -q '^$good_sha '"
"$py" tests/hostile/check.py json "$tmp/extract.json" "$tmp/ex.ndjson" |
  sed "s/^/     extract: /"
check "extract: output as expected (check.py json)" test "${PIPESTATUS[0]}" = 0
snapshot() { # every file of the directory with its sha256
  "$py" -c 'import hashlib, os, sys
for n in sorted(os.listdir(sys.argv[1])):
    p = os.path.join(sys.argv[1], n)
    h = hashlib.sha256(open(p, "rb").read()).hexdigest() if os.path.isfile(p) else "-"
    print(repr(n), h)' "$1"
}
snapshot "$x/ex" >"$tmp/snap1"
"$bin" -q --extract-dir "$x/ex" -r "$cap" >/dev/null
snapshot "$x/ex" >"$tmp/snap2"
check "extract: a second run overwrites nothing" \
  test -z "$(comm -23 "$tmp/snap1" "$tmp/snap2")"
check "extract: a second run adds a file for each" \
  test "$(wc -l <"$tmp/snap2")" = $((2 * want + 2))

exit $fail
