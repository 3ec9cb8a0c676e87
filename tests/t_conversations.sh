#!/usr/bin/env bash
# t_conversations.sh - every mail-port TCP conversation in pcaps/ and in an
# extra corpus directory (MAILSCOPE_CORPUS, by default the development
# machines' shared corpus beside the tree, when present) appears once in
# mailscope's output with
# the endpoints, IP version and VLAN ids tshark sees (tests/conversations.py).
set -u
cd "$(dirname "$0")/.."
if ! command -v tshark >/dev/null; then
  echo "tshark is not installed: the conversation check needs it"
  exit 77
fi
captures=$(find pcaps -name '*.pcap' -o -name '*.pcapng' | sort)
corpus=${MAILSCOPE_CORPUS:-$(cd .. && pwd)/shared/corpus}
[ -d "$corpus" ] && captures="$captures $(find "$corpus" -name '*.pcap' -o -name '*.pcapng' | sort)"
# shellcheck disable=SC2086
exec "${PYTHON:-/usr/bin/python3}" tests/conversations.py "${MAILSCOPE:-./mailscope}" $captures
