"""report_browser.py MAILSCOPE TMPDIR OUTDIR - the HTML report in headless
Chromium, driven over the DevTools protocol (tests/t_report_browser.sh).

Part 1, captures of every kind (SMTP, POP3, pipelining, AUTH failures,
attachments, anomalies), report with --extract-dir.  What the page shows is
checked against the NDJSON of the same run, never against the page's own
data: one table row per session; sorting from the URL (#sort=proto,
#sort=0:desc); filters set through their controls (protocol, auth result,
attachments, free text over a uid and an attachment's md5), each asserting
the exact set of visible rows; chart clicks (a top sender, an anomaly, a
time bar, a failed-login cell) asserting the rows; the URL fragment keeping
the filter, Back undoing it; the messages and attachments tables, an
attachment's link to the extracted file; a session page with its ladder,
pipelined flight and anomalies at their lines, and the way back.
Screenshots of the overview and a session page go to OUTDIR for people to
look at.

Part 2, the hostile capture (pcaps/edge/report-hostile.pcap: markup and
script in every field): every view is opened, every chart entry clicked,
markup searched for; nothing may run (window.__pwned stays undefined, no
dialog), nothing may become markup (one executable script, no element with
an event attribute, no img/iframe/object/font, no <b> of the capture's), no Content-Security-Policy violation,
and the hostile text is on the page as text.

Part 3, tests/report_browser_views.py: the routing view, TLS facts from a
synthetic record, and the session page's refused and unanswered recipients.

No exception or console error in any of it.  Exit 0 or 1."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_cdp import Browser  # noqa: E402

CHROME = "/usr/bin/chromium"
CAPTURES = """pcaps/demo.pcap pcaps/real/pop3-full.pcap pcaps/real/smtp-multi-rset.pcap
pcaps/edge/hostile.pcap pcaps/edge/bdat.pcap pcaps/real/smtp-starttls.pcap
pcaps/edge/rfc2920-pipelined.pcap pcaps/real/smtp-auth-login-crammd5-failed.pcap
pcaps/real/pop3-errors.pcap pcaps/real/smtp-pipelining-auth-plain-attachment.pcap""".split()

failures = []


def check(name, ok, detail=""):
    if not ok:
        failures.append("%s %s" % (name, detail))
    print("%s %s" % ("ok  " if ok else "FAIL", name) +
          ("" if ok or not detail else ": " + str(detail)[:300]))


def run_mailscope(mailscope, caps, html, extract):
    args = [mailscope, "-q", "-J", "--report", html, "--extract-dir", extract]
    for c in caps:
        args += ["-r", c]
    out = subprocess.run(args, capture_output=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()
            if b'"event":"session"' in l]


def messages_of(s):
    ms = [t["message"] for t in s.get("transactions", []) if t.get("message")]
    ms += [m["message"] for m in s.get("messages", []) if m.get("message")]
    return ms


def attachments_of(s):
    return [a for m in messages_of(s) for a in m.get("attachments", [])]


def outcome(s):
    """The table's outcome of a session (docs/report.md), from the NDJSON."""
    st = [t["status"] for t in s.get("transactions", [])]
    if "queued" in st:
        return "queued"
    if "rejected" in st:
        return "rejected"
    if st:
        return "aborted"
    if s.get("messages"):
        return "retrieved"
    auth = s.get("auth") or {}
    if auth.get("result") == "failure":
        return "login failed"
    if auth.get("result") == "success":
        return "login"
    return "tls" if s.get("tls", "none") != "none" else "no mail"


def usec(ts):
    """NDJSON time to microseconds since the epoch."""
    import datetime
    d = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
    d = d.replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000000 + d.microsecond


VISIBLE = """[...document.querySelectorAll('#table-view .vr')].map(function (r) {
  var a = r.querySelector('a[href^="#s="]');
  return [a ? decodeURIComponent(a.getAttribute('href').slice(3)) : null,
          [...r.children].map(function (c) { return c.textContent; })];
})"""


def visible(b):
    return b.eval(VISIBLE)


def uids(b):
    return sorted(u for u, _ in visible(b))


def set_control(b, cid, value, event="change"):
    b.eval("(function(){var e=document.getElementById(%s); e.value=%s;"
           "e.dispatchEvent(new Event(%s, {bubbles: true}));})()"
           % (json.dumps(cid), json.dumps(value), json.dumps(event)))
    if event == "input":
        b.eval("new Promise(r => setTimeout(r, 400))", True)


def clear(b):
    b.eval("document.getElementById('reset').click()")


def click(b, selector):
    found = b.eval("(function(){var e=document.querySelector(%s); if(!e) return false;"
                   "e.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));"
                   "return true;})()" % json.dumps(selector))
    check("element to click: " + selector, found)


def page_clean(b, what):
    bad = [e for e in b.events if e[0] in ("exception", "log-error") or
           "Content Security Policy" in e[1] or e[0] == "console" and
           "error" in e[1].lower()]
    check(what + ": no exception, error or policy violation", not bad, bad)
    check(what + ": no dialog", not b.dialogs, b.dialogs)


# ---- part 1 -----------------------------------------------------------------

def part_filters(b, sessions, base):
    by = {s["uid"]: s for s in sessions}
    all_uids = sorted(by)
    b.navigate(base)
    check("one row per session", uids(b) == all_uids,
          "%d rows, %d sessions" % (len(uids(b)), len(all_uids)))
    check("one executable script, ours",
          b.eval("[...document.scripts].filter(s => !s.type).length") == 1)
    check("summary before the table", b.eval(
        "!!(document.getElementById('summary').compareDocumentPosition("
        "document.getElementById('sessions')) & Node.DOCUMENT_POSITION_FOLLOWING)"))
    # sorting from the URL
    b.navigate(base + "#sort=proto")
    protos = [cells[3] for _, cells in visible(b)]
    check("#sort=proto sorts by protocol", protos == sorted(protos) and
          b.eval("document.getElementById('sessions').dataset.sorted") == "proto")
    b.navigate(base + "#sort=0:desc")
    times = [usec(by[u]["ts"]) for u, _ in visible(b)]
    check("#sort=0:desc sorts by time, newest first",
          times == sorted(times, reverse=True))
    b.navigate(base)
    # filters through the controls
    set_control(b, "f-proto", "pop3")
    want = sorted(u for u, s in by.items() if s["proto"] == "pop3")
    check("protocol filter: the POP3 sessions", uids(b) == want, uids(b))
    check("the fragment keeps the filter", "proto=pop3" in b.eval("location.hash"))
    clear(b)
    check("clear filters: every row again", uids(b) == all_uids)
    set_control(b, "f-auth", "failure")
    want = sorted(u for u, s in by.items()
                  if (s.get("auth") or {}).get("result") == "failure")
    check("auth filter: failed logins", want and uids(b) == want, (uids(b), want))
    clear(b)
    set_control(b, "f-att", "1")
    want = sorted(u for u, s in by.items() if attachments_of(s))
    check("attachment filter", want and uids(b) == want, (uids(b), want))
    clear(b)
    one = all_uids[len(all_uids) // 2]
    set_control(b, "q", one, "input")
    check("free text: a uid", uids(b) == [one], uids(b))
    att = next(a for s in sessions for a in attachments_of(s))
    set_control(b, "q", att["md5"], "input")
    want = sorted(u for u, s in by.items()
                  if any(a["md5"] == att["md5"] for a in attachments_of(s)))
    check("free text: an attachment's md5", uids(b) == want, (uids(b), want))
    set_control(b, "q", "", "input")
    check("empty search: every row", uids(b) == all_uids)
    # a time range through the two fields: from included, to excluded
    times = sorted(set(usec(s["ts"]) for s in sessions))
    lo, hi = times[1], times[-2]
    fmt = "new Date(%d).toISOString().replace('T', ' ').replace('Z', '')"
    set_control(b, "f-from", b.eval(fmt % (lo // 1000)))
    set_control(b, "f-to", b.eval(fmt % (hi // 1000)))
    want = sorted(u for u, s in by.items() if lo // 1000 * 1000 <= usec(s["ts"]) < hi // 1000 * 1000)
    check("time range fields", want and uids(b) == want, (uids(b), want))
    clear(b)
    return by, all_uids


def part_charts(b, by, all_uids):
    sender = b.eval("document.querySelector('#top-senders li').dataset.v")
    click(b, "#top-senders li")
    want = sorted(u for u, s in by.items() if any(
        (t.get("mail_from") if t.get("mail_from") else "<>") == sender
        for t in s.get("transactions", [])))
    check("top sender click: its sessions", uids(b) == want, (sender, uids(b), want))
    check("the fragment keeps the chart filter",
          "sender=" in b.eval("location.hash"))
    b.eval("history.back()")
    b.eval("new Promise(r => setTimeout(r, 300))", True)
    check("Back undoes the chart filter", uids(b) == all_uids)
    click(b, "#top-anomalies li[data-v=unknown_command]")
    want = sorted(u for u, s in by.items()
                  if any(a["name"] == "unknown_command" for a in s.get("anomalies", [])))
    check("anomaly click: its sessions", want and uids(b) == want, (uids(b), want))
    clear(b)
    rect = b.eval("(function(){var r=document.querySelector('#c-time rect.hit');"
                  "return [r.dataset.k, +r.dataset.b];})()")
    click(b, "#c-time rect.hit")
    st = b.eval("MS.state")
    lo, hi = (b.eval("MS.parseTime(%s)" % json.dumps(st[k])) for k in ("from", "to"))
    want = sorted(u for u, s in by.items() if outcome(s) == rect[0] and
                  lo <= usec(s["ts"]) < hi)
    check("time bar click: its sessions", want and uids(b) == want,
          (rect, uids(b), want))
    clear(b)
    client = b.eval("(function(){var c=document.querySelector('#c-authfail rect.hit');"
                    "return c ? c.dataset.c : null;})()")
    check("failed-login heatmap has cells", client is not None)
    if client:
        click(b, "#c-authfail rect.hit")
        got = uids(b)
        ok = got and all(by[u]["client"]["ip"] == client and
                         (by[u].get("auth") or {}).get("failures", 0) +
                         ((by[u].get("auth") or {}).get("result") == "failure") > 0
                         for u in got)
        check("failed-login cell click: that client's failed sessions", ok,
              (client, got))
    clear(b)


def part_tables(b, by, tmp):
    click(b, "#tabs button[data-tab=messages]")
    n = sum(len(messages_of(s)) for s in by.values())
    check("messages table: one row per message",
          b.eval("MS.table.items.length") == n and len(visible(b)) == min(n, 62),
          (b.eval("MS.table.items.length"), n))
    click(b, "#tabs button[data-tab=attachments]")
    atts = [a for s in by.values() for a in attachments_of(s)]
    rows = visible(b)
    check("attachments table: one row per attachment", len(rows) == len(atts),
          (len(rows), len(atts)))
    names = sorted(c[0] for _, c in rows)
    check("attachments table: names", names == sorted(a.get("filename", "(no name)")
                                                     for a in atts), names)
    href = b.eval("(function(){var a=document.querySelector('#table-view .vr a[download]');"
                  "return a ? a.getAttribute('href') : null;})()")
    import urllib.parse
    path = os.path.normpath(os.path.join(tmp, urllib.parse.unquote(href or "")))
    check("attachment links its extracted file", href is not None and
          os.path.isfile(path) and path.startswith(os.path.join(tmp, "extract")),
          href)
    click(b, "#tabs button[data-tab=sessions]")


def part_session(b, by, outdir):
    # the pipelined session of rfc2920-pipelined.pcap, with its anomalies
    # the session with the most anomalies
    uid = max(by, key=lambda u: len(by[u].get("anomalies", [])))
    set_control(b, "q", uid, "input")
    click(b, "#table-view .vr a[href^='#s=']")
    check("session page shown", b.eval("!document.getElementById('session').hidden"))
    check("session page in the fragment", ("s=" + uid) in b.eval("location.hash"))
    steps = b.eval("document.querySelectorAll('#ladder .st').length")
    check("session page: its ladder", steps > 0, steps)
    n = len(by[uid].get("anomalies", []))
    check("session page: every anomaly at a line", b.eval(
        "document.querySelectorAll('#ladder .anom').length") == n, n)
    b.screenshot(os.path.join(outdir, "report-session.png"), full=True)
    click(b, "#session a.back")
    check("back to the list, filter kept",
          b.eval("document.getElementById('session').hidden") and uids(b) == [uid],
          (b.eval("location.hash"), uids(b)))
    clear(b)
    flight = next((u for u, s in by.items() if any(
        c.get("pipelined") for c in s.get("commands", []))), None)
    if flight:
        b.navigate(b.eval("location.href.split('#')[0]") + "#s=" + flight)
        check("pipelined session: its flight band",
              b.eval("document.querySelectorAll('#ladder .flight').length") > 0)
        b.navigate(b.eval("location.href.split('#')[0]") + "#")


def part1(mailscope, tmp, outdir):
    html = os.path.join(tmp, "report.html")
    sessions = run_mailscope(mailscope, CAPTURES, html, os.path.join(tmp, "extract"))
    with Browser(CHROME, os.path.join(tmp, "profile1")) as b:
        base = "file://" + html
        by, all_uids = part_filters(b, sessions, base)
        part_charts(b, by, all_uids)
        b.eval("window.scrollTo(0, 0)")
        b.screenshot(os.path.join(outdir, "report-overview.png"), full=True)
        part_tables(b, by, tmp)
        part_session(b, by, outdir)
        page_clean(b, "normal captures")


# ---- part 2 -----------------------------------------------------------------

INERT = """(function () {
  var on = [...document.querySelectorAll('*')].filter(function (e) {
    return [...e.attributes].some(function (a) { return /^on/i.test(a.name); });
  }).map(function (e) { return e.tagName; });
  return {pwned: window.__pwned === undefined ? null : window.__pwned,
          scripts: [...document.scripts].filter(function (s) { return !s.type; }).length,
          on: on,
          markup: document.querySelectorAll('img,iframe,object,embed,font,form,frame').length +
            [...document.querySelectorAll('b')].filter(function (e) {
              return /^(bold|mx|denied)$/.test(e.textContent); }).length,
          text: document.body.textContent};
})()"""


def inert(b, what, text=None):
    r = b.eval(INERT)
    ok = (r["pwned"] is None and r["scripts"] == 1 and not r["on"] and
          r["markup"] == 0 and not b.dialogs)
    check("hostile, %s: nothing runs, nothing became markup" % what, ok,
          {k: r[k] for k in ("pwned", "scripts", "on", "markup")})
    if text:
        check("hostile, %s: the markup is shown as text" % what, text in r["text"])


def part2(mailscope, tmp):
    html = os.path.join(tmp, "hostile.html")
    sessions = run_mailscope(mailscope, ["pcaps/edge/report-hostile.pcap"], html,
                             os.path.join(tmp, "extract-hostile"))
    check("hostile capture: two sessions", len(sessions) == 2)
    with Browser(CHROME, os.path.join(tmp, "profile2")) as b:
        base = "file://" + html
        b.navigate(base)
        inert(b, "overview", '"</script><script>window.__pwned=24</script>"@evil.test')
        for tab in ("messages", "attachments", "sessions"):
            click(b, "#tabs button[data-tab=%s]" % tab)
            inert(b, tab + " table", "window.__pwned=" if tab != "sessions" else None)
        count = b.eval("document.querySelectorAll('#charts li').length")
        for k in range(count):
            b.eval("document.querySelectorAll('#charts li')[%d].click()" % k)
            inert(b, "chart entry %d" % k)
            clear(b)
        set_control(b, "q", "<script>", "input")
        inert(b, "searching for markup")
        check("hostile: markup search finds the sessions", len(uids(b)) == 2)
        set_control(b, "q", "", "input")
        for s in sessions:
            b.navigate(base + "#s=" + s["uid"])
            inert(b, "session page " + s["proto"],
                  "<script>window.__pwned=%d</script>" % (28 if s["proto"] == "smtp" else 43))
        page_clean(b, "hostile capture")


def main():
    mailscope, tmp, outdir = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    part1(mailscope, tmp, outdir)
    part2(mailscope, tmp)
    sys.modules.setdefault("report_browser", sys.modules[__name__])
    import report_browser_views as views  # uses this module's helpers
    views.part_routes(mailscope, tmp, outdir)
    views.part_tls(mailscope, tmp)
    views.part_recipients(mailscope, tmp)
    print("report in the browser: %s" % ("FAILED (%d)" % len(failures)
                                          if failures else "ok"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
