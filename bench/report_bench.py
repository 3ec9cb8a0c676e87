#!/usr/bin/python3
"""report_bench.py REPORT.html [ROUNDS] - how fast the HTML report opens and
filters in headless Chromium (bench/report.sh runs it; not a test).

Opening: each round loads the file afresh (from about:blank) and reads
first-contentful-paint (the page's skeleton) and the "mailscope-ready" mark
(summary, charts and the first rows of the table drawn) and the second
frame after it (the "mailscope-painted" mark: what a person sees).  Filtering: each filter is applied the
way a click or a keystroke applies it (MS.go / a click on a chart entry),
timed to the end of the script's work and to the second animation frame
after it (style, layout and paint done).  Medians over ROUNDS; the machine's
load average is printed beside them, since it is shared.  Beside wall time,
the renderer main thread's CPU time (DevTools Performance metrics in thread
ticks): what the work costs, whatever else the machine is doing."""
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from report_cdp import Browser  # noqa: E402

CHROME = "/usr/bin/chromium"

FILTERS = [
    ("protocol = pop3", "MS.go({proto: 'pop3'}, true)"),
    ("outcome = queued", "MS.go({outcome: 'queued'}, true)"),
    ("with attachments", "MS.go({att: '1'}, true)"),
    ("with anomalies", "MS.go({anom: '1'}, true)"),
    ("free text (one word)", "MS.go({q: 'benchmark'}, true)"),
    ("free text (narrow)", "MS.go({q: 'message 84'}, true)"),
    ("chart click: top sender",
     "document.querySelector('#top-senders li').click()"),
    ("chart click: time bar",
     "document.querySelector('#c-time rect.hit')"
     ".dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}))"),
    ("time range", "MS.go({from: MS.time(MS.rows[0].t), "
     "to: MS.time(MS.rows[0].t + 1e6)}, true)"),
    ("sort by subject", "MS.setSort('subject', false)"),
    ("clear all", "MS.go({}, true)"),
]

TIMED = """new Promise(function (res) {
  var t0 = performance.now();
  %s;
  var t1 = performance.now();
  requestAnimationFrame(function () { requestAnimationFrame(function () {
    res([t1 - t0, performance.now() - t0, MS.table.items.length]);
  }); });
})"""

OPENED = """new Promise(function (res) {
  (function poll() {
    var p = performance.getEntriesByName('first-contentful-paint')[0];
    var r = performance.getEntriesByName('mailscope-ready')[0];
    var s = performance.getEntriesByName('mailscope-painted')[0];
    if (!p || !r || !s) return setTimeout(poll, 50);
    res([p.startTime, r.startTime, s.startTime, MS.rows.length]);
  })();
})"""


def cpu(b):
    """The renderer main thread's CPU time so far, in ms."""
    for m in b.send("Performance.getMetrics")["metrics"]:
        if m["name"] == "ThreadTime":
            return m["value"] * 1000
    return float("nan")


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    path = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    size = os.path.getsize(path)
    opened, filt = [], {name: [] for name, _ in FILTERS}
    with tempfile.TemporaryDirectory() as tmp, \
            Browser(CHROME, os.path.join(tmp, "profile")) as b:
        b.send("Performance.enable", {"timeDomain": "threadTicks"})
        sessions = 0
        for _ in range(rounds):
            b.navigate("about:blank")
            cpu0 = cpu(b)
            b.navigate("file://" + path)
            fcp, ready, shown, sessions = b.eval(OPENED, True)
            opened.append((fcp, ready, shown, cpu(b) - cpu0))
            # the search text is built while the page is idle: let it
            b.eval("new Promise(r => setTimeout(r, 1500))", True)
            for name, action in FILTERS:
                b.eval("MS.go({}, false)")
                cpu0 = cpu(b)
                r = b.eval(TIMED % action, True)
                filt[name].append(r + [cpu(b) - cpu0])
        errors = [e for e in b.events if e[0] in ("exception", "log-error")]
        version = subprocess.run([CHROME, "--version"], capture_output=True,
                                 text=True).stdout.strip()
    load = os.getloadavg()
    print("# HTML report benchmark\n")
    print("- report: %s, %d sessions, %.1f MB, %.0f bytes per session"
          % (os.path.basename(path), sessions, size / 1e6,
             size / max(1, sessions)))
    print("- %s, headless, 1400x1000; %d rounds, medians" % (version, rounds))
    print("- load average at the end: %.2f %.2f %.2f on %d CPUs (shared)"
          % (load + (os.cpu_count(),)))
    print("\n| opening | ms |\n|---|---:|")
    print("| first contentful paint (page skeleton) | %.0f |"
          % median([o[0] for o in opened]))
    print("| summary, charts and table drawn (mailscope-ready) | %.0f |"
          % median([o[1] for o in opened]))
    print("| ... and painted (second frame after) | %.0f |"
          % median([o[2] for o in opened]))
    print("| main-thread CPU until loaded (all %d details parsed) | %.0f |"
          % (sessions, median([o[3] for o in opened])))
    print("\n| filter | rows shown | script ms | to paint ms | main-thread CPU ms |\n"
          "|---|---:|---:|---:|---:|")
    for name, _ in FILTERS:
        runs = filt[name]
        print("| %s | %d | %.0f | %.0f | %.0f |" % (
            name, runs[-1][2], median([r[0] for r in runs]),
            median([r[1] for r in runs]), median([r[3] for r in runs])))
    if errors:
        print("\nerrors in the page:", json.dumps(errors[:5]))
        sys.exit(1)


if __name__ == "__main__":
    main()
