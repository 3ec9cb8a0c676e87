#!/usr/bin/env bash
# t_compressed.sh - captures compressed with gzip (also several concatenated
# members, and zero padding after the last), zstd and xz read exactly as the
# plain files, from a file and from standard input, with --workers and
# --sandbox; a cut or corrupt compressed file: what came before the fault,
# a message naming the file and the decompressed offset, exit 2.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
for tool in gzip zstd xz; do
  command -v $tool >/dev/null || { echo "$tool is not installed"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, condition...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}

for plain in pcaps/demo.pcap pcaps/edge/demo.pcapng pcaps/edge/tunnels.pcap; do
  base=$tmp/$(basename "$plain")
  "$bin" -q -J -r "$plain" >"$tmp/want"
  gzip -c "$plain" >"$base.gz"
  zstd -q -c "$plain" >"$base.zst"
  xz -c "$plain" >"$base.xz"
  for f in "$base.gz" "$base.zst" "$base.xz"; do
    "$bin" -q -J -r "$f" >"$tmp/got"
    check "$(basename "$f") equals the plain file" cmp -s "$tmp/want" "$tmp/got"
    "$bin" -q -J -r - <"$f" >"$tmp/got"
    check "$(basename "$f") from stdin" cmp -s "$tmp/want" "$tmp/got"
  done
  "$bin" -q -J --workers 2 -r "$base.gz" >"$tmp/got"
  check "$(basename "$plain").gz --workers 2" cmp -s "$tmp/want" "$tmp/got"
  # LeakSanitizer needs ptrace, which the sandbox refuses
  ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 \
    "$bin" -q -J --sandbox -r "$base.zst" >"$tmp/got"
  check "$(basename "$plain").zst --sandbox" cmp -s "$tmp/want" "$tmp/got"
done

# gzip members concatenated (as `cat a.gz b.gz`), then zero padding
"$bin" -q -J -r pcaps/demo.pcap >"$tmp/want"
head -c 3000 pcaps/demo.pcap | gzip -c >"$tmp/cat.pcap.gz"
tail -c +3001 pcaps/demo.pcap | gzip -c >>"$tmp/cat.pcap.gz"
head -c 64 /dev/zero >>"$tmp/cat.pcap.gz"
"$bin" -q -J -r "$tmp/cat.pcap.gz" >"$tmp/got"
check "concatenated gzip members and padding" cmp -s "$tmp/want" "$tmp/got"

# cut in the middle: the sessions before, the reason, exit 2
for z in gz xz; do
  f=$tmp/demo.pcap.$z
  size=$(stat -c %s "$f")
  head -c $((size * 2 / 3)) "$f" >"$tmp/cut.$z"
  "$bin" -r "$tmp/cut.$z" >"$tmp/out" 2>"$tmp/err"
  check "cut .$z: exit 2" test $? = 2
  check "cut .$z: says the file is cut" grep -q "^mailscope: $tmp/cut.$z: .* ends early" "$tmp/err"
  check "cut .$z: decompressed offset" grep -q "at offset [0-9]* of the decompressed data" "$tmp/err"
  check "cut .$z: the session before the cut" grep -q "^# smtp" "$tmp/out"
done
/usr/bin/python3 - "$tmp/demo.pcap.gz" "$tmp/bad.pcap.gz" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
for i in range(len(d) // 2, len(d) // 2 + 16):
    d[i] ^= 0x55
open(sys.argv[2], "wb").write(d)
PY
"$bin" -r "$tmp/bad.pcap.gz" >"$tmp/out" 2>"$tmp/err"
check "corrupt .gz: exit 2" test $? = 2
check "corrupt .gz: says so" grep -q "gzip data is corrupt" "$tmp/err"
# compressed garbage is not a capture
printf 'hello, not a capture\n' | gzip -c >"$tmp/text.gz"
"$bin" -r "$tmp/text.gz" >/dev/null 2>"$tmp/err"
check "compressed text: exit 2" test $? = 2
check "compressed text: one line naming the file" grep -q "^mailscope: $tmp/text.gz: " "$tmp/err"
exit $fail
