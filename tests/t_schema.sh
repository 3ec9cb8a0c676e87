#!/usr/bin/env bash
# t_schema.sh - every NDJSON record of the golden files, and a stats record,
# validate against docs/mailscope.schema.json (JSON Schema 2020-12, Debian's
# python3-jsonschema).
set -u
cd "$(dirname "$0")/.."
py=${PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import jsonschema' 2>/dev/null; then
  echo "python3-jsonschema is not installed"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${MAILSCOPE:-./mailscope}" -J --stats -r pcaps/demo.pcap >"$tmp/stats.ndjson"
"$py" tests/schema_check.py docs/mailscope.schema.json \
  tests/golden/expected/*.ndjson "$tmp/stats.ndjson"
