#!/usr/bin/env bash
# t_scaling_example.sh - the shipping examples of docs/scaling.md parse, and
# the mailscope fields they route on exist in real output.  (Vector and
# Fluent Bit themselves are not packaged in Debian: see docs/scaling.md.)
set -u
cd "$(dirname "$0")/.."
py=${PYTHON:-/usr/bin/python3}
"${MAILSCOPE:-./mailscope}" -q -J --stats -r pcaps/demo.pcap >/tmp/mailscope-scaling.$$ || exit 1
"$py" - docs/examples/vector.toml docs/examples/fluent-bit.yaml /tmp/mailscope-scaling.$$ <<'PY'
import json, sys, tomllib
vector = tomllib.load(open(sys.argv[1], "rb"))
assert vector["sources"]["mailscope"]["type"] == "file"
assert vector["transforms"]["sessions"]["condition"] == '.event == "session"'
assert vector["sinks"]["kafka"]["key_field"] == "uid"
assert "{{ proto }}" in vector["sinks"]["kafka"]["topic"]
text = open(sys.argv[2]).read()
for needle in ("path: /var/log/mailscope/sessions.ndjson", "regex: event ^session$", "id_key: uid"):
    assert needle in text, needle
try:
    import yaml
    yaml.safe_load(text)
except ImportError:
    pass
records = [json.loads(l) for l in open(sys.argv[3])]
sessions = [r for r in records if r["event"] == "session"]
assert sessions and records[-1]["event"] == "stats"
for r in sessions:
    assert r["uid"] and r["proto"] in ("smtp", "pop3")
print("scaling examples: vector.toml and fluent-bit.yaml parse; %d session records carry event/proto/uid" % len(sessions))
PY
rc=$?
rm -f /tmp/mailscope-scaling.$$
exit $rc
