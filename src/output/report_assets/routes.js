/* routes.js - the routing view (tab "routes"), over the filtered sessions
 * that carry a route (the DNS answers of the capture, docs/json.md
 * "route"): per recipient domain its MX hosts by preference, the CNAMEs
 * followed, the addresses, and the sessions that went to each address;
 * deliveries to an address that is no MX of the domain in red, as are
 * sessions that skipped a better MX or saw the domain's answers change.
 * Then the clients: their PTR names against their HELO names.  A domain
 * whose answers differed between sessions shows each answer apart. */
MS.ROUTE_BAD = ['delivery_not_mx', 'mx_lower_preference', 'dns_answer_changed'];
MS.ROUTE_SHOWN = 5; /* session links per cell, then "+N more" */
MS.ROUTE_DOMAINS = 50; /* domain blocks drawn, and client rows: filters */
MS.ROUTE_CLIENTS = 200; /* narrow the rest */
MS.ROUTE_ANSWERS = 10; /* distinct DNS answers drawn per domain */

/* A session's routing went wrong: not to an MX (not a submission), or a
 * routing anomaly. */
MS.routeBad = function (r) {
  return r.route && r.route.v === 'not_mx' && !r.route.sub ||
    MS.ROUTE_BAD.some(function (n) { return MS.hasAnomaly(r, n); });
};

MS.hasAnomaly = function (r, name) {
  return r.an.some(function (a) { return a[0] === name; });
};

/* The answer a session saw for a domain, as a key: sessions that saw the
 * same share one table. */
MS.answerKey = function (d) {
  return JSON.stringify([d.lk, !!d.null, d.mx.map(function (m) { return [m.p, m.h, m.cn, m.a]; }),
    d.self || null]);
};

/* Domains of the rows idx: [{d, n, bad, answers: [{dom, rows: [{i, v}]}]}],
 * those with sessions routed wrong first, then most sessions first. */
MS.routeDomains = function (idx) {
  var by = new Map();
  idx.forEach(function (i) {
    var rt = MS.rows[i].route;
    (rt && rt.dom || []).forEach(function (d) {
      var e = by.get(d.d);
      if (!e) by.set(d.d, e = {d: d.d, n: 0, bad: 0, answers: new Map()});
      var k = MS.answerKey(d), a = e.answers.get(k);
      if (!a) e.answers.set(k, a = {dom: d, rows: []});
      a.rows.push({i: i, v: d.v});
      e.n++;
      if (MS.routeBad(MS.rows[i])) e.bad++;
    });
  });
  return Array.from(by.values()).map(function (e) {
    e.answers = Array.from(e.answers.values());
    return e;
  }).sort(function (a, b) {
    return b.bad - a.bad || b.n - a.n || (a.d < b.d ? -1 : a.d > b.d ? 1 : 0);
  });
};

/* A cell of session links (their start times), red for those with a
 * routing anomaly; a count that filters the table to them. */
MS.routeSessions = function (list, filter) {
  var cell = MS.el('div', {class: 'rs'});
  var count = MS.el('a', {href: '#', class: 'cnt'}, MS.plural(list.length, 'session'));
  count.addEventListener('click', function (ev) {
    ev.preventDefault();
    var f = {tab: 'sessions'};
    for (var k in filter) f[k] = filter[k];
    MS.setFilter(f);
  });
  cell.appendChild(count);
  list.slice(0, MS.ROUTE_SHOWN).forEach(function (x) {
    var r = MS.rows[x.i], bad = MS.ROUTE_BAD.filter(function (n) { return MS.hasAnomaly(r, n); });
    var a = MS.sessionLink(x.i, MS.time(r.t));
    if (bad.length) {
      a.setAttribute('class', 'bad');
      a.setAttribute('title', bad.join(', '));
    }
    cell.appendChild(a);
  });
  if (list.length > MS.ROUTE_SHOWN)
    cell.appendChild(MS.el('span', {class: 'note'}, '+' + MS.num(list.length - MS.ROUTE_SHOWN) + ' more'));
  return cell;
};

MS.addrText = function (x) {
  return !x ? '' : x.a ? (x.a.length ? x.a.join(', ') : '(none)') : '(not seen)';
};

/* One answer of a domain: a row per MX (and the domain's own addresses),
 * then the servers the sessions went to that are none of them. */
MS.answerTable = function (domain, ans) {
  var rows = [], used = new Set();
  var to = function (addrs) {
    return ans.rows.filter(function (x) { return addrs.indexOf(MS.rows[x.i].s) >= 0; });
  };
  var cell = function (addrs, list) {
    return addrs.length === 1 ? MS.routeSessions(list, {rtdom: domain, server: addrs[0]}) :
      MS.el('div', null, addrs.map(function (s) {
        var l = list.filter(function (x) { return MS.rows[x.i].s === s; });
        return l.length ? MS.el('div', null, s + ': ', MS.routeSessions(l, {rtdom: domain, server: s})) : null;
      }));
  };
  var line = function (cls, p, host, cn, addrs, label) {
    var list = to(addrs);
    list.forEach(function (x) { used.add(x); });
    var lower = list.some(function (x) { return MS.hasAnomaly(MS.rows[x.i], 'mx_lower_preference'); });
    rows.push(MS.el('tr', {class: (lower ? 'bad' : cls) || null, 'data-h': host},
      MS.el('td', {class: 'n'}, p), MS.el('td', null, host), MS.el('td', null, (cn || []).join(' \u2192 ')),
      MS.el('td', {class: 'mono'}, label),
      MS.el('td', null, list.length ? cell(addrs, list) : '',
        lower ? MS.el('div', {class: 'bad'}, 'mx_lower_preference: a better MX was skipped') : null)));
  };
  ans.dom.mx.forEach(function (m) { line(null, String(m.p), m.h, m.cn, m.a || [], MS.addrText(m)); });
  if (ans.dom.self)
    line(null, ans.dom.mx.length ? '' : 'implicit', domain + ' itself', ans.dom.self.cn,
      ans.dom.self.a || [], MS.addrText(ans.dom.self));
  var rest = ans.rows.filter(function (x) { return !used.has(x); });
  var groups = new Map();
  rest.forEach(function (x) {
    var r = MS.rows[x.i], kind = r.route.sub ? 'sub' : x.v;
    var k = kind + ' ' + r.s;
    if (!groups.has(k)) groups.set(k, {kind: kind, s: r.s, list: []});
    groups.get(k).list.push(x);
  });
  groups.forEach(function (g) {
    var what = {sub: 'submission (not an MX delivery)', not_mx: 'not an MX', unknown: 'not judged: addresses unseen'}[g.kind] || g.kind;
    rows.push(MS.el('tr', {class: g.kind === 'not_mx' ? 'bad' : 'other', 'data-h': g.kind},
      MS.el('td'), MS.el('td', null, what), MS.el('td'), MS.el('td', {class: 'mono'}, g.s),
      MS.el('td', null, MS.routeSessions(g.list, {rtdom: domain, server: g.s}))));
  });
  return MS.el('table', {class: 'routes'},
    MS.el('thead', null, MS.el('tr', null, ['pref.', 'MX host', 'CNAME', 'addresses', 'sessions to it']
      .map(function (h) { return MS.el('th', null, h); }))),
    MS.el('tbody', null, rows));
};

MS.domainBlock = function (e) {
  var notMx = 0, changed = 0;
  e.answers.forEach(function (a) {
    a.rows.forEach(function (x) {
      var r = MS.rows[x.i];
      if (x.v === 'not_mx' && !r.route.sub) notMx++;
      if (MS.hasAnomaly(r, 'dns_answer_changed')) changed++;
    });
  });
  var d0 = e.answers[0].dom;
  var box = MS.el('section', {class: 'rdom', 'data-d': e.d},
    MS.el('h3', null, e.d, ' ', MS.el('small', {class: 'note'}, MS.plural(e.n, 'session') +
      ' \u00b7 MX lookup ' + d0.lk + (d0.null ? ' \u00b7 null MX: the domain accepts no mail' : '')),
    notMx ? MS.el('span', {class: 'badge bad'}, MS.num(notMx) + ' not to an MX') : null,
    changed || e.answers.length > 1 ? MS.el('span', {class: 'badge bad'},
      e.answers.length > 1 ? MS.num(e.answers.length) + ' different answers' : 'dns_answer_changed') : null));
  e.answers.slice(0, MS.ROUTE_ANSWERS).forEach(function (a, k) {
    if (e.answers.length > 1) {
      var ts = a.rows.map(function (x) { return MS.rows[x.i].t; });
      box.appendChild(MS.el('p', {class: 'note'}, 'answer ' + (k + 1) + ', seen by the sessions from ' +
        MS.time(Math.min.apply(null, ts)) + ' to ' + MS.time(Math.max.apply(null, ts)) + ' UTC'));
    }
    box.appendChild(MS.answerTable(e.d, a));
  });
  MS.add(box, MS.more(e.answers.length, MS.ROUTE_ANSWERS, 'answers'));
  return box;
};

/* The clients of the rows idx: address, PTR lookup and names, HELO names,
 * the HELO check, forward confirmation, sessions. */
MS.routeClients = function (idx) {
  var by = new Map();
  idx.forEach(function (i) {
    var r = MS.rows[i], rt = r.route;
    if (!rt) return;
    var k = r.c + ' ' + (r.h || '') + ' ' + rt.helo;
    var e = by.get(k);
    if (!e) by.set(k, e = {c: r.c, h: r.h || '', rt: rt, list: [],
      bad: rt.helo === 'mismatch' || rt.helo === 'no_ptr' || rt.fwd === 0});
    e.list.push({i: i});
  });
  var all = Array.from(by.values()).sort(function (a, b) {
    return b.bad - a.bad || (a.c < b.c ? -1 : a.c > b.c ? 1 : 0) || (a.h < b.h ? -1 : a.h > b.h ? 1 : 0);
  });
  var rows = all.slice(0, MS.ROUTE_CLIENTS).map(function (e) {
    var bad = e.bad;
    return MS.el('tr', {class: bad ? 'bad' : null, 'data-c': e.c},
      MS.el('td', {class: 'mono'}, e.c), MS.el('td', null, e.rt.ptrlk),
      MS.el('td', null, (e.rt.ptr || []).join(', ')), MS.el('td', null, e.h),
      MS.el('td', {class: e.rt.helo === 'match' ? 'good' : bad ? 'bad' : null}, e.rt.helo),
      MS.el('td', null, e.rt.fwd === 1 ? 'yes' : e.rt.fwd === 0 ? 'no' : ''),
      MS.el('td', null, MS.routeSessions(e.list, {client: e.c, rhelo: e.rt.helo})));
  });
  return [MS.el('table', {class: 'routes', id: 'route-clients'},
    MS.el('thead', null, MS.el('tr', null, ['client', 'PTR lookup', 'PTR names', 'HELO / EHLO',
      'HELO against PTR', 'HELO resolves to it', 'sessions'].map(function (h) { return MS.el('th', null, h); }))),
    MS.el('tbody', null, rows)), MS.more(all.length, MS.ROUTE_CLIENTS, 'client rows')];
};

MS.more = function (n, shown, what) {
  return n > shown ? MS.el('p', {class: 'note'}, MS.num(n - shown) + ' more ' + what +
    ' not drawn: narrow the view with the filters') : null;
};

/* The view into box; returns how many domains it shows. */
MS.drawRoutes = function (idx, box) {
  var doms = MS.routeDomains(idx);
  var view = MS.el('div', {id: 'routes'});
  view.appendChild(MS.el('p', {class: 'note'}, 'Per recipient domain, the MX hosts its DNS answers named ' +
    '(by preference), the CNAMEs followed, their addresses and the sessions that went to each; in red, ' +
    'deliveries to an address that is no MX of the domain and sessions with a routing anomaly (' +
    MS.ROUTE_BAD.join(', ') + ').'));
  if (!doms.length) view.appendChild(MS.el('p', {class: 'empty'}, 'No session of this view carries a route.'));
  doms.slice(0, MS.ROUTE_DOMAINS).forEach(function (e) { view.appendChild(MS.domainBlock(e)); });
  MS.add(view, MS.more(doms.length, MS.ROUTE_DOMAINS, 'domains'));
  view.appendChild(MS.el('h3', null, 'Clients: reverse DNS against HELO'));
  MS.add(view, MS.routeClients(idx));
  box.appendChild(view);
  return doms.length;
};
