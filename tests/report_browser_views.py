"""report_browser_views.py - the routing view, the TLS facts and the
recipients of the HTML report in headless Chromium (called by
tests/report_browser.py, whose helpers it uses).

Routing: the report of the route captures (pcaps/real/route-*.pcap: MX by
preference, an MX behind a CNAME, an implicit MX, a delivery straight to a
host that is no MX, a skipped better MX, an MX whose addresses changed).
Checked against the NDJSON of the same run: one block per recipient
domain, one table per distinct DNS answer, each session linked on the row
of the MX host it went to (the domain itself for an implicit MX), a
delivery not to an MX on a red "not an MX" row, a session with a routing
anomaly as a red link on a red row, submissions apart; the clients' table
(HELO check, red for a mismatch); the count link filtering the sessions
table to exactly those sessions; the session page's routing facts.

TLS: the record does not carry the TLS handshake on this branch, so a
synthetic one is put into a report's data (the version in the row, the
handshake facts in the session's detail, a certificate anomaly): the TLS
column, the TLS-versions and certificate-issues charts and their filters,
and the session page showing every fact it was given (version, cipher, SNI,
JA4, certificate subject, expiry, names) and the anomaly, in red.

Recipients: the session page's transactions of captures with refused RCPTs
and with RCPTs whose reply is not in the capture (rcpt_unanswered), each
cell checked against the NDJSON; the unanswered column beside the refused
one, only where a transaction has any."""
import json
import os
import re

import report_browser as rb
from report_cdp import Browser

ROUTE_CAPTURES = ["pcaps/real/route-postfix-mx.pcap", "pcaps/real/route-swaks-direct.pcap",
                  "pcaps/real/route-mx-fallback.pcap", "pcaps/real/route-dns-changed.pcap"]

PAGE = """[...document.querySelectorAll('#routes .rdom')].map(function (s) {
  return {d: s.dataset.d, tables: s.querySelectorAll('table').length,
    text: s.querySelector('h3').textContent,
    rows: [...s.querySelectorAll('tbody tr')].map(function (tr) {
      return {h: tr.dataset.h, bad: tr.classList.contains('bad'),
        links: [...tr.querySelectorAll('a[href^="#s="]')].map(function (a) {
          return [decodeURIComponent(a.getAttribute('href').slice(3)), a.classList.contains('bad')];
        })};
    })};
})"""

CLIENTS = """[...document.querySelectorAll('#route-clients tbody tr')].map(function (tr) {
  return {c: tr.dataset.c, bad: tr.classList.contains('bad'),
    cells: [...tr.children].map(function (td) { return td.textContent; }),
    links: [...tr.querySelectorAll('a[href^="#s="]')].map(function (a) {
      return decodeURIComponent(a.getAttribute('href').slice(3)); })};
})"""

ROUTE_ANOMALIES = ("delivery_not_mx", "mx_lower_preference", "dns_answer_changed")


def anomalies(s):
    return {a["name"] for a in s.get("anomalies", [])}


def expected_row(s, d):
    """The data-h of the row a session sits on in its domain's table."""
    if d["verdict"] == "mx":
        return d["mx_host"]
    if d["verdict"] == "implicit_mx":
        return d["domain"] + " itself"
    return "sub" if s["route"].get("submission") else d["verdict"]


def check_domains(b, sessions):
    page = {x["d"]: x for x in b.eval(PAGE)}
    routed = [s for s in sessions if s.get("route")]
    doms = {}
    for s in routed:
        for d in s["route"]["domains"]:
            doms.setdefault(d["domain"], []).append((s, d))
    rb.check("routing view: one block per recipient domain", sorted(page) == sorted(doms),
             (sorted(page), sorted(doms)))
    for name, pairs in doms.items():
        blk = page.get(name)
        if not blk:
            continue
        answers = {json.dumps([d["mx_lookup"], [{k: v for k, v in m.items() if k != "server"}
                                                for m in d.get("mx", [])],
                               d.get("domain_addresses")], sort_keys=True) for _, d in pairs}
        rb.check("routing view %s: one table per DNS answer" % name,
                 blk["tables"] == len(answers), (blk["tables"], len(answers)))
        for s, d in pairs:
            want = expected_row(s, d)
            rows = [r for r in blk["rows"] if any(u == s["uid"] for u, _ in r["links"])]
            red_link = any(bad for r in rows for u, bad in r["links"] if u == s["uid"])
            routing_bad = bool(anomalies(s) & set(ROUTE_ANOMALIES))
            rb.check("routing view %s: session %s on the row %s" % (name, s["uid"], want),
                     len(rows) == 1 and rows[0]["h"] == want, rows)
            if not rows:
                continue
            red_row = d["verdict"] == "not_mx" and not s["route"].get("submission") or \
                "mx_lower_preference" in anomalies(s)
            rb.check("routing view %s: session %s red where its route is wrong" % (name, s["uid"]),
                     rows[0]["bad"] == red_row and red_link == routing_bad,
                     (rows[0]["bad"], red_row, red_link, routing_bad))
        changed = len(answers) > 1
        rb.check("routing view %s: changed answers flagged" % name,
                 ("different answers" in blk["text"]) == changed, blk["text"])
    return doms


def check_clients(b, sessions):
    """One row per client address, HELO name and check, with its sessions
    (the first five linked, all counted)."""
    rows = b.eval(CLIENTS)
    want = {}
    for s in (s for s in sessions if s.get("route")):
        c = s["route"]["client"]
        want.setdefault((s["client"]["ip"], s.get("helo", ""), c["helo"]), []).append(s)
    rb.check("routing clients: one row per client, HELO and check",
             sorted((r["c"], r["cells"][3], r["cells"][4]) for r in rows) == sorted(want),
             [r["cells"] for r in rows])
    for key, ss in want.items():
        c = ss[0]["route"]["client"]
        mine = [r for r in rows if (r["c"], r["cells"][3], r["cells"][4]) == key]
        ok = len(mine) == 1 and mine[0]["cells"][2] == ", ".join(c.get("ptr", [])) and \
            mine[0]["cells"][6].startswith("%d session" % len(ss)) and \
            set(mine[0]["links"]) <= {s["uid"] for s in ss} and \
            len(mine[0]["links"]) == min(5, len(ss)) and \
            mine[0]["bad"] == (c["helo"] in ("mismatch", "no_ptr") or
                               c.get("helo_forward_confirmed") is False)
        rb.check("routing clients: %s HELO %s: PTR, check, sessions" % key[:2], ok, mine)


def part_routes(mailscope, tmp, outdir):
    html = os.path.join(tmp, "routes.html")
    sessions = rb.run_mailscope(mailscope, ROUTE_CAPTURES, html, os.path.join(tmp, "extract-rt"))
    bad = [s for s in sessions if s.get("route") and "delivery_not_mx" in anomalies(s)]
    rb.check("route captures: a delivery not to an MX", len(bad) == 1, len(bad))
    with Browser(rb.CHROME, os.path.join(tmp, "profile3")) as b:
        base = "file://" + html
        b.navigate(base + "#tab=routes")
        rb.check("routing tab shown", b.eval(
            "!document.querySelector('#tabs [data-tab=routes]').hidden"))
        check_domains(b, sessions)
        check_clients(b, sessions)
        b.eval("window.scrollTo(0, 0)")
        b.screenshot(os.path.join(outdir, "report-routes.png"), full=True)
        if bad:
            s = bad[0]
            rb.click(b, "#routes tr.bad[data-h=not_mx] a.cnt")
            want = sorted(x["uid"] for x in sessions if x.get("route") and
                          x["server"]["ip"] == s["server"]["ip"] and
                          any(d["domain"] == s["route"]["domains"][0]["domain"]
                              for d in x["route"]["domains"]))
            rb.check("routing count click: the sessions table with those sessions",
                     b.eval("MS.state.tab") == "sessions" and rb.uids(b) == want,
                     (rb.uids(b), want))
            b.navigate(base + "#s=" + s["uid"])
            text = b.eval("document.getElementById('session').textContent")
            rb.check("session page: routing facts", "Mail routing" in text and "not_mx" in text and
                     s["route"]["client"]["ptr"][0] in text, text[:200])
        b.navigate(base + "#tab=routes&proto=pop3")
        rb.check("routing view follows the filters",
                 b.eval("document.querySelectorAll('#routes .rdom').length") == 0)
        rb.page_clean(b, "routing view")


# ---- TLS, synthetic -----------------------------------------------------------

TLS_DETAIL = {"start": "starttls", "version": "TLSv1.2",
              "cipher": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
              "server_name": "mail.synthetic.test", "ja4": "t12d1311h2_8b80da21ef18_77989cba1f4a",
              "certificates": [{"subject": "CN=mail.synthetic.test,O=Synthetic",
                                "issuer": "CN=Synthetic CA", "not_after": "2020-01-31T00:00:00Z",
                                "san_dns": ["mail.synthetic.test", "mx.synthetic.test"]}],
              "alerts": [], "established": True}


def json_block(obj):
    t = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for a, z in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                 ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        t = t.replace(a, z)
    return t


def put_tls(html):
    """Give the first row that switched to TLS a synthetic handshake."""
    text = open(html, encoding="utf-8").read()
    pat = r'(<script type="application/json" id="%s">)(.*?)(</script>)'
    m = re.search(pat % "ms-rows", text, re.S)
    rows = json.loads(m.group(2))
    n = next(i for i, r in enumerate(rows) if r.get("tls"))
    rows[n]["tls"]["v"] = "TLSv1.2"
    rows[n].setdefault("an", []).append(["tls_certificate_expired", 1])
    rows[n]["na"] = rows[n].get("na", 0) + 1
    text = text[:m.start(2)] + json_block(rows) + text[m.end(2):]
    m = re.search(pat % ("d-%d" % n), text, re.S)
    detail = json.loads(m.group(2))
    detail["tls"] = TLS_DETAIL
    text = text[:m.start(2)] + json_block(detail) + text[m.end(2):]
    open(html, "w", encoding="utf-8").write(text)
    return rows[n]["u"], len(rows)


def part_tls(mailscope, tmp):
    html = os.path.join(tmp, "tls.html")
    rb.run_mailscope(mailscope, ["pcaps/real/smtp-starttls.pcap", "pcaps/demo.pcap"], html,
                     os.path.join(tmp, "extract-tls"))
    uid, total = put_tls(html)
    with Browser(rb.CHROME, os.path.join(tmp, "profile4")) as b:
        base = "file://" + html
        b.navigate(base)
        rows = rb.visible(b)
        col = b.eval("[...document.querySelectorAll('#table-view .hd div')].map(e => e.textContent)"
                     ".indexOf('TLS')")
        rb.check("synthetic TLS: the TLS column shows the version", col >= 0 and any(
            u == uid and cells[col] == "TLSv1.2" for u, cells in rows), (col, rows[:3]))
        rb.click(b, "#tls-versions li[data-v='TLSv1.2']")
        rb.check("synthetic TLS: the version chart filters", rb.uids(b) == [uid], rb.uids(b))
        rb.clear(b)
        rb.click(b, "#tls-issues li[data-v=expired]")
        rb.check("synthetic TLS: the certificate issue (from its anomaly) filters",
                 rb.uids(b) == [uid], rb.uids(b))
        rb.clear(b)
        rb.check("synthetic TLS: the other sessions still there", len(rb.uids(b)) == total)
        b.navigate(base + "#s=" + uid)
        box = b.eval("(function(){var h=[...document.querySelectorAll('#session .fact h3')]"
                     ".filter(e => e.textContent === 'TLS')[0]; return h ? "
                     "{t: h.parentNode.textContent, bad: [...h.parentNode.querySelectorAll('.bad')]"
                     ".map(e => e.textContent)} : null;})()")
        want = ["TLSv1.2", TLS_DETAIL["cipher"], TLS_DETAIL["server_name"], TLS_DETAIL["ja4"],
                "CN=mail.synthetic.test,O=Synthetic", "2020-01-31T00:00:00Z",
                "mail.synthetic.test, mx.synthetic.test", "server_name", "not_after"]
        rb.check("synthetic TLS: the session page shows every fact", box is not None and
                 all(w in box["t"] for w in want), box)
        rb.check("synthetic TLS: the issue and the anomaly in red", box is not None and
                 any("expired" in x for x in box["bad"]) and
                 any("tls_certificate_expired" in x for x in box["bad"]), box and box["bad"])
        rb.page_clean(b, "synthetic TLS")


# ---- recipients: refused and unanswered -------------------------------------

RCPT_CAPTURES = ["pcaps/real/smtp-multi-rset.pcap", "pcaps/corpus/zeek/smtp-one-side-only.pcap",
                 "pcaps/corpus/zeek/smtp-attachment-msg.pcap"]

TX_TABLE = """(function(){var h=[...document.querySelectorAll('#session .fact h3')]
  .filter(e => e.textContent === 'Transactions')[0];
  if (!h) return null;
  var t = h.parentNode.querySelector('table');
  return {head: [...t.querySelectorAll('thead th')].map(e => e.textContent),
    rows: [...t.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(e => e.textContent))};
})()"""


def part_recipients(mailscope, tmp):
    """The session page's transactions: the refused recipients with their
    codes and, beside them, the RCPTs the capture holds no reply to
    (rcpt_unanswered), each as the NDJSON of the same run says; the
    unanswered column only where a transaction has any."""
    html = os.path.join(tmp, "rcpt.html")
    sessions = rb.run_mailscope(mailscope, RCPT_CAPTURES, html, os.path.join(tmp, "extract-rcpt"))
    seen = {"with": 0, "without": 0}
    with Browser(rb.CHROME, os.path.join(tmp, "profile5")) as b:
        base = "file://" + html
        b.navigate(base)
        for s in sessions:
            txs = s.get("transactions", [])
            if not txs:
                continue
            b.navigate(base + "#s=" + s["uid"])
            got = b.eval(TX_TABLE)
            any_ru = any(t.get("rcpt_unanswered") for t in txs)
            seen["with" if any_ru else "without"] += 1
            rb.check("recipients %s: a transactions table, a row each" % s["uid"],
                     got is not None and len(got["rows"]) == len(txs), got)
            if got is None:
                continue
            head = got["head"]
            ref = head.index("refused") if "refused" in head else -1
            rb.check("recipients %s: the unanswered column %s" % (
                s["uid"], "beside the refused" if any_ru else "absent"),
                ref >= 0 and (head[ref + 1:ref + 2] == ["unanswered"]) == any_ru and
                ("unanswered" in head) == any_ru, head)
            for t, row in zip(txs, got["rows"]):
                refused = ", ".join("%s (%d)" % (r["addr"], r["code"])
                                    for r in t.get("rcpt_rejected", []))
                rb.check("recipients %s: refused as in the NDJSON" % s["uid"],
                         row[ref] == refused, (row, refused))
                if any_ru:
                    ru = ", ".join(t.get("rcpt_unanswered", []))
                    rb.check("recipients %s: unanswered as in the NDJSON" % s["uid"],
                             row[ref + 1] == ru, (row, ru))
        rb.page_clean(b, "recipients")
    rb.check("recipients: sessions with and without unanswered RCPTs",
             seen["with"] >= 2 and seen["without"] >= 1, seen)
