#!/usr/bin/env bash
# t_report_browser.sh - the HTML report in a real browser.  Headless
# Chromium (Debian's package "chromium"; nothing is installed here) loads
# the report from a local file with networking disabled, and the rendered
# DOM must hold: the summary before the table, one table row and one ladder
# per session, every row's link pointing at an existing ladder, the one
# script of the report and no other (the hostile capture's strings stay
# text), rows sorted after #sort=proto (by key) and #sort=0:desc (by index,
# numeric time order).  A screenshot is kept in tests/out/report.png for
# people to look at.
set -u
cd "$(dirname "$0")/.."
chrome=/usr/bin/chromium
if [ ! -x $chrome ]; then
  echo "skip: /usr/bin/chromium is absent (Debian package chromium, see scripts/deps.sh)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
caps="pcaps/demo.pcap pcaps/real/pop3-full.pcap pcaps/real/smtp-multi-rset.pcap
pcaps/edge/hostile.pcap pcaps/edge/bdat.pcap pcaps/real/smtp-starttls.pcap
pcaps/edge/rfc2920-pipelined.pcap"
args=()
for c in $caps; do args+=(-r "$c"); done
"${MAILSCOPE:-./mailscope}" -q --report "$tmp/report.html" -J "${args[@]}" \
  >"$tmp/s.ndjson" || { echo "FAIL mailscope exited $?"; exit 1; }
sessions=$(grep -c '"event":"session"' "$tmp/s.ndjson")
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --disable-extensions --user-data-dir="$tmp/profile")
dump() { # URL fragment -> file
  timeout 60 $chrome "${flags[@]}" --dump-dom "file://$tmp/report.html$1" \
    >"$2" 2>/dev/null
}
dump "#sort=proto" "$tmp/by-proto.html"
dump "#sort=0:desc" "$tmp/by-time-desc.html"
timeout 60 $chrome "${flags[@]}" --window-size=1400,2000 \
  --screenshot="$tmp/report.png" "file://$tmp/report.html" >/dev/null 2>&1
mkdir -p tests/out
cp "$tmp/report.png" tests/out/report.png 2>/dev/null || true
"${PYTHON:-/usr/bin/python3}" - "$tmp" "$sessions" <<'PY'
import html.parser, os, sys
tmp, want = sys.argv[1], int(sys.argv[2])

class Walk(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.ladders, self.links, self.cells = [], set(), [], []
        self.scripts, self.handlers, self.order = 0, [], []
        self.sorted_attr = None
        self.in_body, self.cell = False, -1
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in a:
            if k.startswith("on"):
                self.handlers.append((tag, k))
        if a.get("id") in ("summary", "sessions"):
            self.order.append(a["id"])
        if tag == "table" and a.get("id") == "sessions":
            self.sorted_attr = a.get("data-sorted")
        if tag == "script":
            self.scripts += 1
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.cells = []
            self.rows.append(self.cells)
            self.cell = -1
        elif tag == "td" and self.in_body:
            self.cell += 1
            self.cells.append({"v": a.get("data-v"), "text": ""})
        elif tag == "a" and self.in_body and a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
        elif tag == "section" and "ladder" in (a.get("class") or ""):
            self.ladders.add(a.get("id"))
    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
    def handle_data(self, data):
        if self.in_body and self.cells and self.cell >= 0:
            self.cells[self.cell]["text"] += data

def walk(name):
    w = Walk()
    w.feed(open(os.path.join(tmp, name), encoding="utf-8").read())
    return w

errors = []
p = walk("by-proto.html")
if len(p.rows) != want:
    errors.append("table rows %d, sessions %d" % (len(p.rows), want))
if len(p.ladders) != want:
    errors.append("ladders %d, sessions %d" % (len(p.ladders), want))
missing = [l for l in p.links if l not in p.ladders]
if missing or len(p.links) != want:
    errors.append("row links %d, unmatched %s" % (len(p.links), missing))
if p.scripts != 1 or p.handlers:
    errors.append("scripts %d, event handler attributes %s" %
                  (p.scripts, p.handlers))
if p.order != ["summary", "sessions"]:
    errors.append("summary not before the table: %s" % p.order)
protos = [r[3]["text"] for r in p.rows]
if protos != sorted(protos) or p.sorted_attr != "proto":
    errors.append("not sorted by protocol: %s (%s)" % (protos, p.sorted_attr))
t = walk("by-time-desc.html")
times = [int(r[0]["v"]) for r in t.rows]
if times != sorted(times, reverse=True) or t.sorted_attr != "time:desc":
    errors.append("not sorted by time, descending (%s)" % t.sorted_attr)
png = os.path.join(tmp, "report.png")
if not os.path.exists(png) or os.path.getsize(png) < 10000:
    errors.append("no screenshot")
for e in errors:
    print("FAIL", e)
print("report %s: %d sessions, %d rows, %d ladders, sorting checked" %
      ("FAILED" if errors else "ok", want, len(p.rows), len(p.ladders)))
sys.exit(1 if errors else 0)
PY
