#!/usr/bin/env bash
# t_report_browser.sh - the HTML report in a real browser: headless Chromium
# (Debian's) loads it from a local file with no network; the rendered DOM
# must hold one table row and one ladder per session, sorting by a column
# (#sort=N) must reorder the rows, and a screenshot is taken
# (tests/out/report.png, kept for people to look at).
set -u
cd "$(dirname "$0")/.."
chrome=/usr/bin/chromium
if [ ! -x $chrome ]; then
  echo "Debian's chromium is not installed: the browser check needs it"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
caps="pcaps/demo.pcap pcaps/real/pop3-full.pcap pcaps/real/smtp-multi-rset.pcap pcaps/edge/hostile.pcap pcaps/edge/bdat.pcap"
args=()
for c in $caps; do args+=(-r "$c"); done
"${MAILSCOPE:-./mailscope}" -q --report "$tmp/report.html" -J "${args[@]}" >"$tmp/s.ndjson"
sessions=$(grep -c '"event":"session"' "$tmp/s.ndjson")
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$tmp/profile")
# protocol is column 3: sorting puts pop3 rows before smtp rows
timeout 60 $chrome "${flags[@]}" --dump-dom "file://$tmp/report.html#sort=3" \
  >"$tmp/dom.html" 2>/dev/null
timeout 60 $chrome "${flags[@]}" --window-size=1400,2000 \
  --screenshot="$tmp/report.png" "file://$tmp/report.html" >/dev/null 2>&1
mkdir -p tests/out
cp "$tmp/report.png" tests/out/report.png 2>/dev/null || true
"${PYTHON:-/usr/bin/python3}" - "$tmp/dom.html" "$sessions" "$tmp/report.png" <<'PY'
import html.parser, os, sys
dom, want, png = sys.argv[1], int(sys.argv[2]), sys.argv[3]

class Walk(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.ladders, self.protos = 0, 0, []
        self.in_body = False
        self.cell = -1
        self.scripts_blocked = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows += 1
            self.cell = -1
        elif tag == "td" and self.in_body:
            self.cell += 1
        elif tag == "section" and "ladder" in (a.get("class") or ""):
            self.ladders += 1
    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
    def handle_data(self, data):
        if self.in_body and self.cell == 3 and data.strip():
            self.protos.append(data.strip())

w = Walk()
w.feed(open(dom, encoding="utf-8").read())
errors = []
if w.rows != want:
    errors.append("table rows %d, sessions %d" % (w.rows, want))
if w.ladders != want:
    errors.append("ladders %d, sessions %d" % (w.ladders, want))
if w.protos != sorted(w.protos):
    errors.append("rows not sorted by protocol: %s" % w.protos)
if not os.path.exists(png) or os.path.getsize(png) < 10000:
    errors.append("no screenshot")
for e in errors:
    print("FAIL", e)
print("report: %d sessions, %d rows, %d ladders, sorted %s" %
      (want, w.rows, w.ladders, w.protos == sorted(w.protos)))
sys.exit(1 if errors else 0)
PY
