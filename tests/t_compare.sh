#!/usr/bin/env bash
# t_compare.sh - differential testing (make compare): mailscope against
# every reference the repository holds for the captures in pcaps/ (tshark,
# Zeek's baselines, suricata-verify, Arkime, nDPI: tests/compare/).  Fails
# on a disagreement that pcaps/DIFFERENCES.md does not explain; a
# reference tool that is not installed is skipped with a message.
set -u
cd "$(dirname "$0")/.."
exec "${PYTHON:-/usr/bin/python3}" tests/compare/compare.py "${MAILSCOPE:-./mailscope}"
