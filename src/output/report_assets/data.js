/* data.js - the session rows, the filter state kept in the URL fragment,
 * filtering and sorting.
 *
 * The fragment holds the view: "#proto=smtp&outcome=queued&q=text&sort=
 * time:desc&tab=messages" (values percent-encoded), or "#s=UID" for a
 * session page (with the list's state after it, for the way back).
 * Filter keys: q (free text), proto, outcome, auth (success, failure,
 * unknown, none), anom and att (1 with, 0 without), from and to (UTC times,
 * "YYYY-MM-DD HH:MM:SS[.mmm]"), and the chart facets sender, rcpt, rdom
 * (recipient domain), client, server, an (anomaly name), rc (a reply class:
 * ok, mid, tmp, err, oth), fail (clients with failed logins), user (failed
 * logins of a user), tlsv, tlsi, route (routing verdict), rhelo (HELO
 * against reverse DNS), rtdom (a domain of the route). */
MS.meta = {};
MS.rows = [];
MS.FILTERS = ['q', 'proto', 'outcome', 'auth', 'anom', 'att', 'from', 'to',
  'sender', 'rcpt', 'rdom', 'client', 'server', 'an', 'rc', 'fail', 'user',
  'tlsv', 'tlsi', 'route', 'rhelo', 'rtdom'];
MS.LABELS = {q: 'text', proto: 'protocol', outcome: 'outcome', auth: 'auth',
  anom: 'anomalies', att: 'attachments', from: 'from', to: 'to',
  sender: 'sender', rcpt: 'recipient', rdom: 'recipient domain',
  client: 'client', server: 'server', an: 'anomaly', rc: 'reply class',
  fail: 'failed logins from', user: 'failed logins of', tlsv: 'TLS version',
  tlsi: 'certificate issue', route: 'routing', rhelo: 'HELO vs reverse DNS',
  rtdom: 'routed domain'};
MS.RC = ['ok', 'mid', 'tmp', 'err', 'oth'];
MS.RC_NAMES = {ok: '2xx / +OK', mid: '3xx / + (continue)', tmp: '4xx',
  err: '5xx / -ERR', oth: 'other'};

MS.load = function () {
  MS.meta = MS.data('ms-meta', {});
  MS.rows = MS.data('ms-rows', []);
  MS.byUid = {};
  MS.rows.forEach(function (r, i) {
    r.i = i;
    if (!(r.u in MS.byUid)) MS.byUid[r.u] = i;
    r.f = r.f || []; r.r = r.r || []; r.j = r.j || [];
    r.ms = r.ms || []; r.at = r.at || []; r.an = r.an || [];
    r.rd = [];
    r.r.forEach(function (a) {
      var d = MS.domain(a);
      if (d && r.rd.indexOf(d) < 0) r.rd.push(d);
    });
  });
};

/* Lower-case text the free-text search looks in, built on first use. */
MS.haystack = function (r) {
  if (r.hay !== undefined) return r.hay;
  var h = r.u + '\n' + MS.endpoint(r.c, r.cp) + '\n' + MS.endpoint(r.s, r.sp) + '\n' +
    (r.h || '') + '\n' + (r.au && r.au.u ? r.au.u : '') + '\n' + r.f.join('\n') + '\n' +
    r.r.join('\n') + '\n' + r.j.join('\n');
  var add = function (x) { if (x) h += '\n' + x; };
  r.ms.forEach(function (m) {
    add(m.sha); add(m.x);
    if (m.f) add(m.f.join('\n'));
    if (m.to) add(m.to.join('\n'));
    if (m.cc) add(m.cc.join('\n'));
    if (m.bcc) add(m.bcc.join('\n'));
  });
  r.at.forEach(function (a) { add(a.n); add(a.ct); add(a.md5); add(a.sha); add(a.x); });
  r.an.forEach(function (a) { add(a[0]); });
  if (r.route) {
    (r.route.ptr || []).forEach(add);
    (r.route.dom || []).forEach(function (d) {
      add(d.d);
      d.mx.forEach(function (m) { add(m.h); (m.cn || []).forEach(add); });
    });
  }
  r.hay = h.toLowerCase();
  return r.hay;
};

MS.state = {};

MS.parseHash = function (hash) {
  var st = {};
  (hash || '').replace(/^#/, '').split('&').forEach(function (kv) {
    if (!kv) return;
    var i = kv.indexOf('='), k = i < 0 ? kv : kv.slice(0, i);
    var v = i < 0 ? '' : kv.slice(i + 1);
    try { v = decodeURIComponent(v.replace(/\+/g, ' ')); } catch (e) { return; }
    st[k] = v;
  });
  return st;
};

MS.hashOf = function (st) {
  var keys = ['s'].concat(MS.FILTERS, ['tab', 'sort']);
  var out = [];
  keys.forEach(function (k) {
    if (st[k] !== undefined && st[k] !== '')
      out.push(k + '=' + encodeURIComponent(st[k]));
  });
  return out.length ? '#' + out.join('&') : '';
};

/* A test: does a row pass every filter of st? */
MS.compile = function (st) {
  var tests = [];
  var has = function (k) { return st[k] !== undefined && st[k] !== ''; };
  if (has('q')) {
    var words = st.q.toLowerCase().split(/\s+/).filter(Boolean);
    tests.push(function (r) {
      var h = MS.haystack(r);
      return words.every(function (w) { return h.indexOf(w) >= 0; });
    });
  }
  if (has('proto')) tests.push(function (r) { return r.p === st.proto; });
  if (has('outcome')) tests.push(function (r) { return r.o === st.outcome; });
  if (has('auth')) tests.push(function (r) {
    return st.auth === 'none' ? !r.au : !!r.au && r.au.r === st.auth;
  });
  if (has('anom')) tests.push(function (r) {
    return (r.an.length > 0) === (st.anom === '1');
  });
  if (has('att')) tests.push(function (r) {
    return (r.at.length > 0) === (st.att === '1');
  });
  var from = has('from') ? MS.parseTime(st.from) : null;
  var to = has('to') ? MS.parseTime(st.to) : null;
  if (from !== null) tests.push(function (r) { return r.t >= from; });
  if (to !== null) tests.push(function (r) { return r.t < to; });
  var inList = function (key, list) {
    return function (r) { return list(r).indexOf(st[key]) >= 0; };
  };
  if (has('sender')) tests.push(inList('sender', function (r) { return r.f; }));
  if (has('rcpt')) tests.push(inList('rcpt', function (r) { return r.r; }));
  if (has('rdom')) tests.push(inList('rdom', function (r) { return r.rd; }));
  if (has('client')) tests.push(function (r) { return r.c === st.client; });
  if (has('server')) tests.push(function (r) { return r.s === st.server; });
  if (has('an')) tests.push(function (r) {
    return r.an.some(function (a) { return a[0] === st.an; });
  });
  if (has('rc')) {
    var k = MS.RC.indexOf(st.rc);
    tests.push(function (r) { return !!r.rc && r.rc[k] > 0; });
  }
  if (has('fail')) tests.push(function (r) {
    return r.c === st.fail && MS.failures(r) > 0;
  });
  if (has('user')) tests.push(function (r) {
    return !!r.au && r.au.u === st.user && MS.failures(r) > 0;
  });
  if (has('tlsv')) tests.push(function (r) { return MS.tlsVersion(r) === st.tlsv; });
  if (has('tlsi')) tests.push(function (r) {
    return MS.tlsIssues(r).indexOf(st.tlsi) >= 0;
  });
  if (has('route')) tests.push(function (r) { return MS.routeVerdict(r) === st.route; });
  if (has('rhelo')) tests.push(function (r) { return MS.routeHelo(r) === st.rhelo; });
  if (has('rtdom')) tests.push(function (r) {
    return !!r.route && (r.route.dom || []).some(function (d) { return d.d === st.rtdom; });
  });
  return function (r) {
    for (var i = 0; i < tests.length; i++) if (!tests[i](r)) return false;
    return true;
  };
};

/* Failed login attempts of a session. */
MS.failures = function (r) {
  if (!r.au) return 0;
  return r.au.f > 0 ? r.au.f : r.au.r === 'failure' ? 1 : 0;
};

/* TLS and routing hooks (docs/report.md): the row's "tls" and "route"
 * objects.  Until the TLS object carries a version, how TLS started. */
MS.tlsVersion = function (r) {
  if (!r.tls) return 'none';
  return r.tls.v || r.tls.start || 'unknown';
};
/* Certificate issues: the row's tls.iss, else the names of the session's
 * anomalies "tls_certificate_X" (X: expired, self_signed, ...). */
MS.tlsIssues = function (r) {
  if (r.tls && r.tls.iss) return r.tls.iss;
  var iss = [];
  r.an.forEach(function (a) {
    if (a[0].indexOf('tls_certificate_') === 0) iss.push(a[0].slice(16));
  });
  return iss;
};
MS.routeVerdict = function (r) { return r.route && r.route.v ? r.route.v : ''; };
MS.routeHelo = function (r) { return r.route && r.route.helo ? r.route.helo : ''; };

/* ---- sorting ---------------------------------------------------------- */

MS.SORT_KEYS = {
  time: function (r) { return r.t; },
  client: function (r) { return MS.endpoint(r.c, r.cp); },
  server: function (r) { return MS.endpoint(r.s, r.sp); },
  proto: function (r) { return r.p; },
  user: function (r) { return r.au && r.au.u ? r.au.u.toLowerCase() : ''; },
  sender: function (r) { return (r.f[0] || '').toLowerCase(); },
  rcpt: function (r) { return (r.r[0] || '').toLowerCase(); },
  subject: function (r) { return (r.j[0] || '').toLowerCase(); },
  outcome: function (r) { return r.o; },
  att: function (r) { return r.atn || r.at.length; },
  anomalies: function (r) { return r.na || 0; },
  tls: function (r) { return MS.tlsVersion(r); },
  route: function (r) { return MS.routeVerdict(r); }
};

/* Sort indexes of rows by key ("time", "proto:desc", or a column number
 * of the sessions table); ties keep their order. */
MS.sortRows = function (idx, spec) {
  var m = /^([A-Za-z0-9_-]+)(:desc)?$/.exec(spec || '');
  if (!m) return idx;
  var name = m[1];
  if (/^\d+$/.test(name)) name = MS.COLUMN_KEYS[+name] || name;
  var key = MS.SORT_KEYS[name];
  if (!key) return idx;
  var dir = m[2] ? -1 : 1;
  var keyed = idx.map(function (i) { return [key(MS.rows[i]), i]; });
  keyed.sort(function (a, b) {
    var x = a[0], y = b[0], c;
    if (typeof x === 'number' && typeof y === 'number') c = x - y;
    else c = x < y ? -1 : x > y ? 1 : 0;
    return dir * c || a[1] - b[1];
  });
  return keyed.map(function (k) { return k[1]; });
};

/* The rows passing the current filters, sorted. */
MS.view = function () {
  var pass = MS.compile(MS.state), idx = [];
  for (var i = 0; i < MS.rows.length; i++) if (pass(MS.rows[i])) idx.push(i);
  return MS.sortRows(idx, MS.state.sort);
};
