#!/usr/bin/env bash
# t_report_browser.sh - the HTML report in a real browser: headless Chromium
# (Debian's "chromium") driven over the DevTools protocol by
# tests/report_browser.py (Debian's python3-websocket), networking off, a
# new empty profile.  Rows, sorting, filters and chart clicks checked
# against the NDJSON of the same run; the messages and attachments tables;
# a session page; the hostile capture (markup and script in every field)
# must stay text.  Screenshots of the overview and of a session page are
# kept in tests/out/ for people to look at.
set -u
cd "$(dirname "$0")/.."
py=${PYTHON:-/usr/bin/python3}
if [ ! -x /usr/bin/chromium ]; then
  echo "skip: /usr/bin/chromium is absent (Debian package chromium, see scripts/deps.sh)"
  exit 77
fi
if ! "$py" -c 'import websocket' 2>/dev/null; then
  echo "skip: python3-websocket is absent (see scripts/deps.sh)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout 600 "$py" tests/report_browser.py "$(realpath "${MAILSCOPE:-./mailscope}")" \
  "$tmp" tests/out
