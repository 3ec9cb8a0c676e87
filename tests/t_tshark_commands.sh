#!/usr/bin/env bash
# t_tshark_commands.sh - tshark's SMTP/POP3 command list per session is a
# subset of mailscope's (tests/tshark_commands.py), over pcaps/ and an
# extra corpus directory when present (MAILSCOPE_CORPUS, by default the
# development machines' shared corpus beside the tree).
set -u
cd "$(dirname "$0")/.."
if ! command -v tshark >/dev/null; then
  echo "tshark is not installed: the comparison needs it"
  exit 77
fi
captures=$(find pcaps -name '*.pcap' -o -name '*.pcapng' | sort)
corpus=${MAILSCOPE_CORPUS:-$(cd .. && pwd)/shared/corpus}
[ -d "$corpus" ] && captures="$captures $(find "$corpus" -name '*.pcap' -o -name '*.pcapng' | sort)"
# shellcheck disable=SC2086
exec "${PYTHON:-/usr/bin/python3}" tests/tshark_commands.py "${MAILSCOPE:-./mailscope}" $captures
