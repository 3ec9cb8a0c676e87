#!/usr/bin/env bash
# t_ecs.sh - --format ecs over every capture in pcaps/: each document uses
# ECS field names with ECS types (tests/ecs_check.py).
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in $(find pcaps -name '*.pcap' -o -name '*.pcapng' | sort); do
  "${MAILSCOPE:-./mailscope}" -q --format ecs -r "$f" >>"$tmp/ecs.ndjson" 2>/dev/null
done
"${PYTHON:-/usr/bin/python3}" tests/ecs_check.py "$tmp/ecs.ndjson"
