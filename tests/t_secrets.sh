#!/usr/bin/env bash
# t_secrets.sh - no secret the capture scripts used (tests/secrets.txt)
# appears in any output of mailscope without --show-secrets, over every
# capture in pcaps/ (tests/secrets_check.py: transcript, -J, ECS, Zeek,
# the HTML report, --transcript-dir, --json-file, the stats).
set -u
cd "$(dirname "$0")/.."
captures=$(find pcaps -name '*.pcap' -o -name '*.pcapng' | sort)
# shellcheck disable=SC2086
exec "${PYTHON:-/usr/bin/python3}" tests/secrets_check.py \
  "${MAILSCOPE:-./mailscope}" tests/secrets.txt $captures
