#!/usr/bin/env bash
# t_zeek.sh - --format zeek over every capture in pcaps/: each record uses
# smtp.log column names with their Zeek types (tests/zeek_check.py); POP3
# captures write nothing in this format.
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in $(find pcaps -name '*.pcap' -o -name '*.pcapng' | sort); do
  "${MAILSCOPE:-./mailscope}" -q --format zeek -r "$f" >>"$tmp/zeek.ndjson" 2>/dev/null
done
"${MAILSCOPE:-./mailscope}" -q --format zeek -r pcaps/real/pop3-full.pcap >"$tmp/pop3" 2>&1
if [ -s "$tmp/pop3" ]; then
  echo "FAIL: --format zeek wrote something for a POP3 capture"
  exit 1
fi
"${PYTHON:-/usr/bin/python3}" tests/zeek_check.py "$tmp/zeek.ndjson"
