#!/usr/bin/env bash
# t_cli.sh - the command line contract (mailscope(1)): help and version,
# usage errors (exit 1 with a one-line hint; conflicting formats refused),
# unreadable, corrupt and truncated inputs (exit 2, "mailscope: FILE: ..."
# after what could be decoded), an unsupported link type, several files as
# one timeline, every format.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, condition...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}

"$bin" -h >"$tmp/out" 2>&1
check "-h exits 0 and lists -r" test $? = 0
check "-h mentions --extract-dir" grep -q -- "--extract-dir" "$tmp/out"
"$bin" --version >"$tmp/out" 2>&1
check "--version" grep -q "^mailscope [0-9]" "$tmp/out"

"$bin" >"$tmp/out" 2>"$tmp/err"
check "no input: exit 1" test $? = 1
check "no input: hint" grep -q "Try 'mailscope -h'" "$tmp/err"
"$bin" -r x --bogus >/dev/null 2>"$tmp/err"
check "unknown option: exit 1" test $? = 1
check "unknown option: mailscope: prefix" grep -q "^mailscope: unknown option" "$tmp/err"

"$bin" -r "$tmp/missing.pcap" >/dev/null 2>"$tmp/err"
check "missing file: exit 2" test $? = 2
check "missing file: names it" grep -q "^mailscope: $tmp/missing.pcap: " "$tmp/err"

"$bin" -r pcaps/edge/truncated.pcap >"$tmp/out" 2>"$tmp/err"
check "truncated: exit 2" test $? = 2
check "truncated: offset in the message" grep -q "at offset [0-9]" "$tmp/err"
check "truncated: sessions before the fault emitted" grep -q "^# smtp" "$tmp/out"

printf 'not a capture at all, just text\n' >"$tmp/garbage.pcap"
"$bin" -r "$tmp/garbage.pcap" >/dev/null 2>"$tmp/err"
check "garbage file: exit 2" test $? = 2

# an unsupported link type (DLT_USB_LINUX = 189): a valid pcap header
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\xbd\x00\x00\x00' >"$tmp/usb.pcap"
"$bin" -r "$tmp/usb.pcap" >/dev/null 2>"$tmp/err"
check "unsupported link type: exit 2" test $? = 2
check "unsupported link type: named" grep -q "unsupported link type" "$tmp/err"

"$bin" -r - <pcaps/demo.pcap >"$tmp/stdin.txt" 2>&1
"$bin" -r pcaps/demo.pcap >"$tmp/file.txt" 2>&1
check "stdin equals file" cmp -s "$tmp/stdin.txt" "$tmp/file.txt"

"$bin" -J -r pcaps/edge/vlan.pcap -r pcaps/edge/ipv6.pcap >"$tmp/two" 2>&1
check "two files, one timeline" test "$(grep -c '"event":"session"' "$tmp/two")" = 2

for fmt in json ecs zeek zeek-json transcript; do
  "$bin" --format $fmt -r pcaps/demo.pcap >"$tmp/$fmt" 2>"$tmp/err"
  check "--format $fmt exit 0" test $? = 0
done
check "ecs has @timestamp" grep -q '"@timestamp"' "$tmp/ecs"
check "zeek is TSV with Zeek's header" grep -q "^#fields	ts	uid	id.orig_h	" "$tmp/zeek"
check "zeek-json has id.orig_h" grep -q '"id.orig_h"' "$tmp/zeek-json"
"$bin" -J --format ecs -r pcaps/demo.pcap >/dev/null 2>"$tmp/err"
check "-J with --format ecs: exit 1" test $? = 1
check "conflicting formats: said" grep -q "^mailscope: conflicting formats: -J and --format ecs" "$tmp/err"
"$bin" --format zeek --format json -r pcaps/demo.pcap >/dev/null 2>"$tmp/err"
check "two --format: exit 1" test $? = 1
"$bin" -J --format json -r pcaps/demo.pcap >/dev/null 2>&1
check "-J and --format json agree: exit 0" test $? = 0
"$bin" --format ecs --json-file "$tmp/ecs.ndjson" -r pcaps/demo.pcap >/dev/null 2>&1
check "--json-file writes the selected format (ECS)" grep -q '"ecs":{"version"' "$tmp/ecs.ndjson"

"$bin" -J --stats -r pcaps/demo.pcap | tail -n 1 >"$tmp/stats"
check "--stats last record" grep -q '"event":"stats"' "$tmp/stats"

"$bin" -q --transcript-dir "$tmp/tr" --json-file "$tmp/j.ndjson" \
  --report "$tmp/r.html" --extract-dir "$tmp/ex" -r pcaps/demo.pcap >/dev/null
check "transcript-dir: one file per session" test "$(ls "$tmp/tr" | wc -l)" = 2
check "json-file written" test "$(wc -l <"$tmp/j.ndjson")" = 2
check "report written" grep -q "id=\"ms-rows\"" "$tmp/r.html"
# its attachment row links the extracted file (names kept by content)
att=$(basename "$(ls "$tmp/ex"/*report.txt)")
check "report links the extracted attachment" grep -q "\"x\":\"$att\"" "$tmp/r.html"
check "extracted .eml" test "$(ls "$tmp/ex"/*.eml | wc -l)" = 3
check "extracted attachment" test -s "$(ls "$tmp/ex"/*report.txt)"
# the .eml is the message exactly as sent (dot-stuffing undone)
eml=$(ls "$tmp/ex"/*-t1.eml)
check "eml size equals message bytes" test "$(wc -c <"$eml")" = 2209
want=$("$bin" -J -r pcaps/demo.pcap | head -n 1 | grep -o '"sha256":"[0-9a-f]*","from"' | cut -d'"' -f4)
check "eml sha256 equals the message's" test "$(sha256sum <"$eml" | cut -d' ' -f1)" = "$want"
"$bin" --timestamps -r pcaps/demo.pcap >"$tmp/ts.txt"
check "--timestamps prefixes lines" grep -q "^2025-11-22T08:26:40.[0-9]*Z S: 220 " "$tmp/ts.txt"
# SIGHUP reopens --json-file (logrotate): records after the signal go to
# the new file.  The capture arrives through a FIFO in two parts: up to and
# with the first packet of the POP3 session (port 110, 10 s after the SMTP
# session closed: a closed session is reported 5 s after its last packet),
# then the rest.
"${PYTHON:-/usr/bin/python3}" - pcaps/demo.pcap "$tmp/part1" "$tmp/part2" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off = 24
while off < len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    tcp = data[off + 16 + 14 + 20:]
    off += 16 + incl
    if struct.unpack(">H", tcp[2:4])[0] == 110:
        break
open(sys.argv[2], "wb").write(data[:off])
open(sys.argv[3], "wb").write(data[off:])
PY
mkfifo "$tmp/fifo"
"$bin" -q --json-file "$tmp/live.ndjson" -J -r - <"$tmp/fifo" >/dev/null &
ms=$!
exec 3>"$tmp/fifo"
cat "$tmp/part1" >&3
sleep 1
mv "$tmp/live.ndjson" "$tmp/live.ndjson.1"
kill -HUP $ms
sleep 0.5
cat "$tmp/part2" >&3
exec 3>&-
wait $ms
check "SIGHUP: the record before it in the rotated file" grep -q '"proto":"smtp"' "$tmp/live.ndjson.1"
check "SIGHUP: the record after it in the new file" grep -q '"proto":"pop3"' "$tmp/live.ndjson"
"$bin" -q --extract-dir "$tmp/ex" -r pcaps/demo.pcap >/dev/null
check "second run does not overwrite" test "$(ls "$tmp/ex"/*.eml | wc -l)" = 6

"$bin" -r pcaps/demo.pcap --show-secrets >"$tmp/s.txt"
check "--show-secrets shows the password" grep -q "s3cret" "$tmp/s.txt"
check "default redacts" sh -c "! grep -q s3cret $tmp/file.txt"

exit $fail
