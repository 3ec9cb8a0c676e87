#!/usr/bin/env bash
# make_seeds.sh SEEDS_TOOL OUTDIR - seed corpora for every harness.
#
#   OUTDIR/capture   every capture file of pcaps/ (all subfolders) and of
#                    $FUZZ_EXTRA_CORPUS (default /work/shared/corpus when it
#                    exists), one copy of each distinct file, and those
#                    fuzz/extra_seeds.py makes
#   OUTDIR/smtp, OUTDIR/pop3, OUTDIR/message
#                    the sessions and messages of those captures, written by
#                    fuzz/seeds.c (the real engine with a recording registry)
#   OUTDIR/dns       DNS messages and TCP streams of those captures, hostile
#                    names (fuzz/dns_seeds.py)
#   OUTDIR/sasl      AUTH scripts for every mechanism, base64, QP and NTLM
#                    texts (written below)
#   OUTDIR/tls       TLS streams for fuzz_tls (fuzz/tls_seeds.py)
#   OUTDIR/tls_crypto key logs, records for input keys, forged CBC records
#                    (written below; the layout is fuzz/fuzz_tls_crypto.c's)
#   OUTDIR/decompress, OUTDIR/options
#                    compressed captures (gzip, zstd, xz), command lines
#   OUTDIR/digest    every option byte over texts around the block sizes
# Generated, not committed: rerun after the captures change.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=$1
out=$2
extra=${FUZZ_EXTRA_CORPUS-/work/shared/corpus}
rm -rf "$out"
mkdir -p "$out/capture" "$out/sasl"

# Capture files: pcap (either byte order, micro or nano) and pcapng magics.
is_capture() {
  local m
  m=$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')
  case "$m" in
  d4c3b2a1 | a1b2c3d4 | 4d3cb2a1 | a1b23c4d | 0a0d0d0a) return 0 ;;
  *) return 1 ;;
  esac
}
dirs=(pcaps)
[ -n "$extra" ] && [ -d "$extra" ] && dirs+=("$extra")
n=0
while IFS= read -r -d '' f; do
  is_capture "$f" || continue
  sum=$(md5sum <"$f" | cut -c1-12)
  dest="$out/capture/$(basename "$f" | tr -c 'A-Za-z0-9._\n-' _)-$sum"
  [ -e "$out/capture/.seen-$sum" ] && continue
  touch "$out/capture/.seen-$sum"
  cp "$f" "$dest"
  n=$((n + 1))
done < <(find "${dirs[@]}" -type f -print0 | sort -z)
rm -f "$out/capture"/.seen-*
# and a few made for paths the test captures miss (fuzz/extra_seeds.py)
"${PYTHON:-/usr/bin/python3}" fuzz/extra_seeds.py "$out/capture"
echo "fuzz seeds: $(find "$out/capture" -type f | wc -l) capture files"

"$tool" "$out" "$out"/capture/* || true # corrupt captures still give seeds
for h in smtp pop3 message; do
  echo "fuzz seeds: $(find "$out/$h" -type f | wc -l) $h inputs"
done
# TLS: the handshakes of tests/unit/data/ as chunk scripts, and a few made
# for paths they miss (fuzz/tls_seeds.py)
"${PYTHON:-/usr/bin/python3}" fuzz/tls_seeds.py "$out/tls"

# SASL: first byte 0 = AUTH script ("A MECH [initial]", "S<challenge>",
# "E<outcome>", client lines), 1 = base64, 2 = seed + stream text, 3 = NTLM.
s=0
sasl() { printf "$1" >"$out/sasl/seed-$((s += 1))"; }
sasl '\0A PLAIN AGFsaWNlAHNlY3JldA==\nE1\n'
sasl '\0A PLAIN\nS\nAGFsaWNlAHNlY3JldA==\nE2\n'
sasl '\0A LOGIN\nSVXNlcm5hbWU6\nYWxpY2U=\nSUGFzc3dvcmQ6\nc2VjcmV0\nE1\n'
sasl '\0A LOGIN YWxpY2U=\nSUGFzc3dvcmQ6\nc2VjcmV0\nE2\nA PLAIN AGFsaWNlAHNlY3JldA==\nE1\n'
sasl '\0A CRAM-MD5\nSPDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+\ndGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\nE1\n'
sasl '\0A XOAUTH2 dXNlcj1hbGljZUBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==\nE1\n'
sasl '\0A OAUTHBEARER\nS\nbixhPWFsaWNlQGV4YW1wbGUuY29tLAFob3N0PXNlcnZlci5leGFtcGxlLmNvbQFwb3J0PTE0MwFhdXRoPUJlYXJlciB2RjlkZnQ0cW1UYzJOdmIzUmxja0JoZEhSaGRtbHpkR0V1WTI5dENnPT0BAQ==\nSeyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=\nAQ==\nE2\n'
sasl '\0A EXTERNAL =\nE1\n'
sasl '\0A ANONYMOUS dHJhY2U=\nE1\n'
sasl '\0A SCRAM-SHA-256 biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=\nScj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY=\nYz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFUQ0FmdXhGSWxqKWhObEYkazAscD1kSHpiWmFwV0lrNGpVaE4rVXRlOXl0YWc5empmTUhnc3FtbWl6N0FuZFZRPQ==\nE1\n'
sasl '\0A DIGEST-MD5\nSbm9uY2U9Ik9BNk1HOXRFUUdtMmhoIixxb3A9ImF1dGgiLGNoYXJzZXQ9dXRmLTgsYWxnb3JpdGhtPW1kNS1zZXNz\ndXNlcm5hbWU9ImNocmlzIixyZWFsbT0iZWx3b29kLmlubm9zb2Z0LmNvbSIsbm9uY2U9Ik9BNk1HOXRFUUdtMmhoIixuYz0wMDAwMDAwMSxjbm9uY2U9Ik9BNk1IWGg2VnFUclJrIixkaWdlc3QtdXJpPSJpbWFwL2Vsd29vZC5pbm5vc29mdC5jb20iLHJlc3BvbnNlPWQzODhkYWQ5MGQ0YmJkNzYwYTE1MjMyMWYyMTQzYWY3LHFvcD1hdXRo\nE1\n'
sasl '\0A NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAO5CAAAADw==\nSTlRMTVNTUAACAAAADAAMADgAAAAFgomiESIzRFVmd4gAAAAAAAAAAFAAUABEAAAABgGxHQAAAA9EAE8ATQBBAEkATgACAAwARABPAE0AQQBJAE4AAAAAAA==\nTlRMTVNTUAADAAAAGAAYAEAAAAAYABgAWAAAAAwADABwAAAACAAIAHwAAAAIAAgAhAAAAAAAAAAAAAAABYKIogAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABEAE8ATQBBAEkATgB1AHMAZQByAFcAUwAxAA==\nE1\n'
sasl '\0A GSSAPI\nS\nYIIBzwYJKoZIhvcSAQICAQBuggG+MIIBuqADAgEF\n*\nE2\n'
sasl '\4A PLAIN\nS\nAGJvYgBzZWNyZXQ=\nE2\n'
sasl '\1QUJDRA==\n'
sasl '\1YWJj ZA\t'
sasl '\2\7SGVs\r\nbG8=\r\nd29y bGQ=\n!\n=QQ'
sasl '\2\1Caf=C3=A9 =\r\nsoft=3D=\nend=4'
sasl '\3NTLMSSP\0\3\0\0\0\30\0\30\0@\0\0\0\30\0\30\0X\0\0\0\14\0\14\0p\0\0\0\10\0\10\0|\0\0\0\10\0\10\0\204\0\0\0\0\0\0\0\0\0\0\0\5\202\210\242'
echo "fuzz seeds: $s sasl inputs"

# TLS decryption: first byte 0 = key log text, 1 = keys + records,
# 2/3 = forged CBC records (bit 1 of the next byte: encrypt_then_mac).
mkdir -p "$out/tls_crypto"
"${PYTHON:-/usr/bin/python3}" - "$out/tls_crypto" <<'PY'
import os, sys
out = sys.argv[1]
def put(name, b):
    open(os.path.join(out, name), "wb").write(b)
cr = "0123456789abcdef" * 4
ms = "00112233445566778899aabbccddeeff" * 3
put("keylog", b"\0" + ("# SSL/TLS secrets log file\n"
    "CLIENT_RANDOM %s %s\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s\r\n"
    "SERVER_TRAFFIC_SECRET_0 %s %s\n"
    "CLIENT_RANDOM %s %s\n"
    "EXPORTER_SECRET %s %s\n"
    "CLIENT_RANDOM %s 00\n" % (cr, ms, cr, ms[:64], cr, ms, cr, ms[::-1],
                                 cr, ms, cr)).encode())
keys = bytes(range(48)) + bytes(range(100, 164))
for i, (ver, suite) in enumerate([(3, 0), (2, 5), (2, 7), (2, 10), (0, 10),
                                  (2, 12), (3, 2)]):
    recs = b""
    for ln in (0, 5, 24, 40, 64, 300):
        recs += bytes([23, ln >> 8, ln & 255]) + bytes((j * 7) & 255 for j in range(ln))
    put("records-%d" % i, bytes([1, ver, 0, suite, i & 3]) + keys + recs)
for pick in range(2 * 7):  # every suite of tls_forge.h, both MAC orders
    recs = b""
    for clen, pad, fault, value in ((37, 0, 0, 0), (0, 255, 0, 0),
                                    (100, 9, 1, 1), (20, 3, 2, 1),
                                    (50, 0, 3, 4), (1, 17, 0, 0)):
        recs += bytes([0, clen, pad, fault, value, 0, 3, 0]) + b"x" * clen
    put("forged-%d" % pick, bytes([2, pick]) + recs)
PY
echo "fuzz seeds: $(find "$out/tls_crypto" -type f | wc -l) tls_crypto inputs"

# DNS: the messages of the captures, their DNS-over-TCP streams, and
# hostile names (fuzz/dns_seeds.py)
"${PYTHON:-/usr/bin/python3}" fuzz/dns_seeds.py "$out/dns" "$out"/capture/*
# decompress: an option byte, then a few captures compressed by the real
# tools (gzip members concatenated, zstd frames with and without a content
# size, xz with CRC32 and with a large dictionary); the first option byte
# keeps the default budget, the second asks for the small one.
mkdir -p "$out/decompress"
d=0
dseed() { # OPTIONS-BYTE FILE
  { printf "$1"; cat "$2"; } >"$out/decompress/seed-$((d += 1))"
}
tmpd=$(mktemp -d)
for f in pcaps/demo.pcap pcaps/edge/ipv4-fragments.pcap; do
  [ -f "$f" ] || continue
  for tool in "gzip -c" "gzip -1 -c" "zstd -q -c" "zstd -q --no-check -c" \
    "xz -c" "xz -0 --check=crc32 -c" "xz --lzma2=dict=64MiB -c"; do
    if command -v "${tool%% *}" >/dev/null; then
      $tool "$f" >"$tmpd/c" 2>/dev/null || continue
      dseed '\0' "$tmpd/c"
      dseed '\4' "$tmpd/c"
    fi
  done
done
if command -v gzip >/dev/null; then
  { gzip -c pcaps/demo.pcap; gzip -c pcaps/demo.pcap; } >"$tmpd/c"
  dseed '\0' "$tmpd/c"
fi
printf 'not compressed at all' >"$tmpd/c"
dseed '\1' "$tmpd/c"
dseed '\2' "$tmpd/c"
rm -rf "$tmpd"
echo "fuzz seeds: $d decompress inputs"

# options: command lines, arguments separated by NUL
mkdir -p "$out/options"
o=0
oseed() { printf -- "$1" >"$out/options/seed-$((o += 1))"; }
oseed '-r\0x.pcap'
oseed '-J\0--stats\0-r\0a.pcap\0-r\0-'
oseed '--format\0ecs\0--max-memory\0064M\0--max-record-bytes\0001M\0-r\0x'
oseed '--port\0smtp=25,2526\0--port\0pop3=1110\0--no-detect\0-r\0x'
oseed '-i\0eth0\0-Z\0nobody\0--sandbox\0--workers\04\0-f\0tcp port 25'
oseed '--max-line\063\0-r\0x'
oseed '-qJh'
oseed '--workers=2\0--report\0r.html\0-r\0x'
oseed '--max-sessions\04294967296\0--max-commands\01G\0-r\0x'
echo "fuzz seeds: $o options inputs"

# digest: an option byte (md5, sha1, second sha1, EVP), two split bytes,
# a chunking seed, then bytes around the 64-byte block and padding sizes
mkdir -p "$out/digest"
"${PYTHON:-/usr/bin/python3}" - "$out/digest" <<'PY'
import os, sys
for opt in range(16):
    for n in (0, 3, 55, 56, 64, 119, 120, 1000, 9000):
        body = bytes((i * 131 + opt) & 255 for i in range(n))
        split = (n * 2 // 3) & 0xffff
        open(os.path.join(sys.argv[1], "seed-%d-%d" % (opt, n)), "wb").write(
            bytes([opt, split >> 8, split & 255, n & 255]) + body)
PY
echo "fuzz seeds: $(find "$out/digest" -type f | wc -l) digest inputs"
