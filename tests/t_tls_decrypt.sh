#!/usr/bin/env bash
# t_tls_decrypt.sh - TLS key sources from the command line and the capture
# (issue 16): every capture of pcaps/tls decrypted with its key log is
# what its client sent (tests/tls_expect_check.py); keys for other
# sessions say so once; a damaged record is an anomaly and a gap, and
# decoding resumes; --tls-keylog files that cannot be read stop mailscope before
# any packet (exit 2, once even with --workers); lines that are not key log
# lines are reported by number and never by content (-q silences it); a
# pcapng's Decryption Secrets Blocks are read, a malformed one skipped with
# a warning; no secret of any key log reaches any output, in any format,
# with --show-secrets, from one process or from workers.
set -u
cd "$(dirname "$0")/.."
bin=${MAILSCOPE:-./mailscope}
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, condition...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
tls=pcaps/tls
cap=$tls/smtp-starttls-tls13.pcap
keys=$tls/smtp-starttls-tls13.keylog

# -- key log files that cannot be read ---------------------------------------
"$bin" -r "$cap" --tls-keylog "$tmp/missing.log" >"$tmp/out" 2>"$tmp/err"
check "missing key log: exit 2" test $? = 2
check "missing key log: named" grep -q "^mailscope: $tmp/missing.log: No such file" "$tmp/err"
check "missing key log: nothing decoded" test ! -s "$tmp/out"
"$bin" -r "$cap" --workers 2 --tls-keylog "$tmp/missing.log" >/dev/null 2>"$tmp/err"
check "missing key log, --workers 2: exit 2" test $? = 2
check "missing key log, --workers 2: said once" test "$(grep -c missing.log "$tmp/err")" = 1
"$bin" -r "$cap" --tls-keylog "$tmp" >/dev/null 2>"$tmp/err"
check "a directory as key log: exit 2" test $? = 2
"$bin" -r "$cap" --tls-keylog >/dev/null 2>"$tmp/err"
check "--tls-keylog without FILE: exit 1" test $? = 1

# -- lines that are not key log lines ----------------------------------------
{
  echo "# SSL/TLS secrets log file"
  cat "$keys"
  echo "CLIENT_RANDOM 0011 deadbeefsecretsecret"
  echo "CLIENT_TRAFFIC_SECRET_0 nothex cafe"
} >"$tmp/bad.log"
bad_line=$(($(wc -l <"$keys") + 2))
"$bin" -r "$cap" --tls-keylog "$tmp/bad.log" >/dev/null 2>"$tmp/err"
check "bad lines: exit 0" test $? = 0
check "bad lines: counted, first by number" \
  grep -q "bad.log: 2 line(s) are not key log lines and were skipped (the first is line $bad_line)" "$tmp/err"
check "bad lines: their content not printed" \
  sh -c "! grep -q -e deadbeef -e nothex -e cafe '$tmp/err'"
"$bin" -q -r "$cap" --tls-keylog "$tmp/bad.log" >/dev/null 2>"$tmp/err"
check "bad lines, -q: silent" test ! -s "$tmp/err"

# -- no secret reaches any output --------------------------------------------
# every secret (the last field of each key log line) of every key log
cat $tls/*.keylog | awk 'NF == 3 {print $3}' | sort -u >"$tmp/secrets"
check "the key logs hold secrets" test "$(wc -l <"$tmp/secrets")" -gt 20
for f in $tls/*.pcap $tls/*.pcapng; do
  k=${f%.*}.keylog
  args=(-r "$f")
  [ -f "$k" ] && args+=(--tls-keylog "$k")
  for mode in "--format transcript --full-bodies --timestamps" "-J" \
    "--format ecs" "--format zeek" "-J --workers 2"; do
    # shellcheck disable=SC2086
    "$bin" "${args[@]}" $mode --show-secrets --stats \
      --transcript-dir "$tmp/tr" --json-file "$tmp/j.ndjson" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    cat "$tmp/out" "$tmp/err" "$tmp/j.ndjson" "$tmp"/tr/* 2>/dev/null >"$tmp/all"
    if [ $rc -ne 0 ] || grep -q -i -F -f "$tmp/secrets" "$tmp/all"; then
      echo "FAIL $f $mode: exit $rc or a secret in the output"
      fail=1
    fi
    rm -rf "$tmp/tr" "$tmp/j.ndjson"
  done
done
check "no secret in any output (pcaps/tls, every format)" test $fail = 0

# -- decrypted sessions against what their clients sent ----------------------
for f in $tls/*.pcap; do
  b=${f%.pcap}
  "$py" tests/tls_expect_check.py "$bin" "$f" "$b.keylog" "$b.expect.json" >"$tmp/chk" 2>&1
  rc=$?
  check "decrypted like plaintext: $(basename "$f") ($(grep -c '^ok' "$tmp/chk") session(s))" test $rc = 0
  [ $rc = 0 ] || cat "$tmp/chk"
done

# -- keys for other sessions: said once, nothing decoded ---------------------
"$bin" -J -r $tls/smtps-tls12-chacha20.pcap --tls-keylog $tls/pop3s-tls13-curl.keylog >"$tmp/out" 2>"$tmp/err"
check "wrong key log: exit 0" test $? = 0
check "wrong key log: tls_no_key once" test "$(grep -o '"name":"tls_no_key"' "$tmp/out" | wc -l)" = 1
check "wrong key log: says which client random" grep -q '"detail":"no key for client random [0-9a-f]\{64\}: the ' "$tmp/out"
check "wrong key log: nothing decrypted, no command" \
  sh -c "! grep -q -e '\"decrypted\"' -e '\"verb\"' '$tmp/out'"
"$bin" -J -r $tls/smtp-starttls-tls13.pcap >"$tmp/out" 2>&1
check "no key log at all: no tls_no_key, commands up to STARTTLS" \
  sh -c "! grep -q tls_no_key '$tmp/out' && test \$(grep -o '\"verb\"' '$tmp/out' | wc -l) = 2"

# -- a damaged record: an anomaly, a gap, decoding resumes --------------------
# the client's sixth application record of smtp-starttls-tls13 carries the
# first message: its last byte (the AEAD tag) flipped
"$py" - $tls/smtp-starttls-tls13.pcap "$tmp/damaged.pcap" <<'EOF2'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
assert struct.unpack("<I", data[20:24])[0] == 1  # Ethernet
off, seen = 24, 0
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    ip = off + 16 + 14
    tcp = ip + (data[ip] & 15) * 4
    pay, end = tcp + (data[tcp + 12] >> 4) * 4, off + 16 + incl
    if data[tcp + 2:tcp + 4] == b"\x02\x4b" and data[pay:pay + 3] == b"\x17\x03\x03":
        seen += 1
        if seen == 6:
            data[end - 1] ^= 0x55
            break
    off = end
assert seen == 6
open(sys.argv[2], "wb").write(data)
EOF2
"$bin" -J -r "$tmp/damaged.pcap" --tls-keylog $tls/smtp-starttls-tls13.keylog >"$tmp/out" 2>&1
check "damaged record: exit 0" test $? = 0
check "damaged record: tls_decrypt_failed" grep -q '"name":"tls_decrypt_failed","ts":"[^"]*","detail":"a client record of 4617 bytes did not decrypt (authentication failed)' "$tmp/out"
"$bin" -r "$tmp/damaged.pcap" --tls-keylog $tls/smtp-starttls-tls13.keylog >"$tmp/tr" 2>&1
check "damaged record: the gap reaches the dissector" grep -q '^-- 4617 bytes missing here$' "$tmp/tr"
"$py" - "$tmp/out" >"$tmp/got" <<'EOF2'
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[0])
t = d["transactions"]
print(t[0]["message"]["truncated"], t[1]["message"]["sha256"],
      [c["verb"] for c in d["commands"]][-1], d["auth"]["password"])
EOF2
check "damaged record: the first message truncated, the second whole, QUIT decoded" \
  grep -q "^True 661f73b836f62514d38eefe18d48b61824b93d4e77fb6cce0b4a4c03d343c312 QUIT <redacted>$" "$tmp/got"

# -- pcapng Decryption Secrets Blocks ----------------------------------------
"$bin" -r $tls/tls-secrets-embedded.pcapng -J >"$tmp/out" 2>"$tmp/err"
check "pcapng with secrets: exit 0, no warning" test $? = 0 -a ! -s "$tmp/err"
check "pcapng with secrets: both sessions" test "$(grep -c '"event":"session"' "$tmp/out")" = 2
# a pcapng whose secrets block claims more bytes than it holds, between
# two packets of a session: skipped with a warning, the packets still read
"$py" - "$tmp/bad-dsb.pcapng" <<'EOF'
import struct, sys
def block(t, body):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)
shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
idb = block(1, struct.pack("<HHI", 101, 0, 65535))  # raw IP
def ip_tcp(sport, dport, seq, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 0x50, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1,
                     0, 64, 6, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return ip + tcp + payload
def epb(ts, pkt):
    return block(6, struct.pack("<IIIII", 0, 0, ts, len(pkt), len(pkt)) + pkt)
s2c = lambda seq, data: ip_tcp(25, 40000, seq, 0x18, data)
pkts = [epb(1, ip_tcp(25, 40000, 1000, 0x18, b"220 mx ESMTP\r\n"))]
bad = block(10, struct.pack("<II", 0x544C534B, 4000) + b"CLIENT_RANDOM")
pkts.append(bad)
pkts.append(epb(2, ip_tcp(40000, 25, 5000, 0x18, b"EHLO x\r\n")))
open(sys.argv[1], "wb").write(shb + idb + b"".join(pkts))
EOF
"$bin" -r "$tmp/bad-dsb.pcapng" --port smtp=25 >"$tmp/out" 2>"$tmp/err"
check "malformed secrets block: exit 0" test $? = 0
check "malformed secrets block: warned" grep -q "bad-dsb.pcapng: a decryption secrets block is malformed (skipped)" "$tmp/err"
check "malformed secrets block: the packets after it read" grep -q "EHLO x" "$tmp/out"

# --workers: each worker reads the key logs; the records are one process's
for f in pcaps/tls/*.pcap; do
  k=${f%.pcap}.keylog
  [ -f "$k" ] || continue
  "$bin" -q -J --tls-keylog "$k" -r "$f" >"$tmp/w1" 2>&1
  "$bin" -q -J --workers 2 --tls-keylog "$k" -r "$f" >"$tmp/w2" 2>&1
  check "$(basename "$f") --workers 2: the same decrypted records" cmp -s "$tmp/w1" "$tmp/w2"
done

exit $fail
