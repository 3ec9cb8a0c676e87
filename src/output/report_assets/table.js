/* table.js - the sessions, messages and attachments tables (and the
 * routing view's place: routes.js), drawn lazily:
 * only the rows in view (and a margin) exist in the page, each 24 px high
 * over a body as tall as all of them, so 10,000 rows scroll and filter as
 * fast as 10.  Visible rows are ".vr" elements with data-i (their index in
 * the table's current order) and data-row (the session's row number). */
MS.ROW_H = 24;

MS.VTable = function (id, columns, items, sort) {
  var self = this;
  this.cols = columns;
  this.items = items;
  this.box = MS.el('div', {class: 'vt', id: id, role: 'table',
    'aria-rowcount': items.length, 'data-sorted': sort || null});
  this.box.style.setProperty('--cols', columns.map(function (c) { return c.w; }).join(' '));
  this.box.style.setProperty('--minw', columns.reduce(function (n, c) {
    return n + (parseInt(c.w, 10) || 8) * 8;
  }, 0) + 'px');
  var m = /^([A-Za-z0-9_-]+)(:desc)?$/.exec(sort || '');
  this.head = MS.el('div', {class: 'hd', role: 'row'}, columns.map(function (c) {
    var h = MS.el('div', {role: 'columnheader', 'data-key': c.key,
      title: c.help || null}, c.title);
    if (m && m[1] === c.key) h.setAttribute('aria-sort', m[2] ? 'descending' : 'ascending');
    h.addEventListener('click', function () {
      MS.setSort(c.key, h.getAttribute('aria-sort') === 'ascending');
    });
    return h;
  }));
  this.body = MS.el('div', {class: 'body', role: 'rowgroup'});
  this.body.style.height = items.length * MS.ROW_H + 'px';
  /* as tall as its rows, at most the window less the header and filters */
  this.box.style.height = Math.max(6 * MS.ROW_H, Math.min(
    (items.length + 1) * MS.ROW_H + 20, window.innerHeight - 190)) + 'px';
  this.box.appendChild(this.head);
  this.box.appendChild(this.body);
  this.pending = false;
  this.box.addEventListener('scroll', function () {
    if (self.pending) return;
    self.pending = true;
    requestAnimationFrame(function () { self.pending = false; self.draw(); });
  });
};

/* Draw the rows in view; a new table is at its top, and as high as the
 * window less its header (report.css): no layout is needed to know. */
MS.VTable.prototype.draw = function (fresh) {
  var top = fresh ? 0 : Math.max(0, this.box.scrollTop - MS.ROW_H);
  var height = fresh ? window.innerHeight : this.box.clientHeight;
  var first = Math.max(0, Math.floor(top / MS.ROW_H) - 5);
  var last = Math.min(this.items.length, first + Math.ceil(height / MS.ROW_H) + 10);
  MS.clear(this.body);
  var frag = document.createDocumentFragment();
  for (var i = first; i < last; i++) {
    var it = this.items[i];
    var row = MS.el('div', {class: 'vr' + (i % 2 ? ' alt' : ''), role: 'row',
      'data-i': i, 'data-row': it.row !== undefined ? it.row : it});
    row.style.top = i * MS.ROW_H + 'px';
    this.cols.forEach(function (c) {
      var v = c.get(it), title = typeof v === 'string' ? v : v && v.textContent;
      row.appendChild(MS.el('div', {role: 'cell', class: c.cls || null,
        title: title || null}, v));
    });
    frag.appendChild(row);
  }
  this.body.appendChild(frag);
};

/* Link to a session's page. */
MS.sessionLink = function (i, label) {
  var a = MS.el('a', {href: '#s=' + encodeURIComponent(MS.rows[i].u)}, label);
  a.addEventListener('click', function (ev) {
    ev.preventDefault();
    MS.openSession(i);
  });
  return a;
};

MS.list = function (v, more) {
  var s = (v || []).join(', ');
  return more ? s + ' (+' + MS.num(more) + ' more)' : s;
};

/* ---- the three tables --------------------------------------------------- */

MS.COLUMN_KEYS = ['time', 'client', 'server', 'proto', 'user', 'sender', 'rcpt',
  'subject', 'outcome', 'att', 'anomalies', 'tls', 'route'];

MS.sessionColumns = function () {
  var R = function (i) { return MS.rows[i]; };
  var cols = [
    {key: 'time', title: 'time (UTC)', w: '15em', get: function (i) {
      return MS.sessionLink(i, MS.time(R(i).t));
    }},
    {key: 'client', title: 'client', w: '11em', get: function (i) { return MS.endpoint(R(i).c, R(i).cp); }},
    {key: 'server', title: 'server', w: '10em', get: function (i) { return MS.endpoint(R(i).s, R(i).sp); }},
    {key: 'proto', title: 'protocol', w: '6.2em', get: function (i) { return R(i).p; }},
    {key: 'user', title: 'user', w: '8em', get: function (i) {
      var a = R(i).au;
      if (!a) return '';
      var s = MS.el('span', {class: a.r === 'failure' ? 'bad' : a.r === 'success' ? 'good' : null},
        a.u || '(' + (a.m || 'auth') + ')');
      return s;
    }},
    {key: 'sender', title: 'sender', w: 'minmax(9em,1fr)', get: function (i) { return MS.list(R(i).f); }},
    {key: 'rcpt', title: 'recipients', w: 'minmax(10em,1.3fr)', get: function (i) {
      var r = R(i), shown = r.r.slice(0, 5);
      var more = (r.rn || r.r.length) - shown.length;
      return MS.list(shown, more > 0 ? more : 0);
    }},
    {key: 'subject', title: 'subject', w: 'minmax(10em,1.5fr)', get: function (i) { return MS.list(R(i).j); }},
    {key: 'outcome', title: 'outcome', w: '6.5em', get: function (i) {
      return MS.el('span', {class: 'o-' + R(i).o.replace(/ /g, '-')}, R(i).o);
    }},
    {key: 'att', title: 'att.', w: '3.8em', cls: 'n', help: 'attachments', get: function (i) {
      var n = R(i).atn || R(i).at.length;
      return n ? MS.num(n) : '';
    }},
    {key: 'anomalies', title: 'anom.', w: '4.5em', cls: 'n', help: 'anomalies', get: function (i) {
      return R(i).na ? MS.num(R(i).na) : '';
    }}
  ];
  if (MS.rows.some(function (r) { return r.tls && r.tls.v; }))
    cols.push({key: 'tls', title: 'TLS', w: '6em', get: function (i) { return MS.tlsVersion(R(i)); }});
  if (MS.hasRoutes)
    cols.push({key: 'route', title: 'route', w: '7em', help: 'the server address against the MX of the recipient domains',
      get: function (i) {
        var v = MS.routeVerdict(R(i));
        return v ? MS.el('span', {class: v === 'not_mx' ? 'bad' : v === 'mx' ? 'good' : null}, v) : '';
      }});
  return cols;
};

MS.messageColumns = function () {
  return [
    {key: 'time', title: 'session', w: '15em', get: function (e) {
      return MS.sessionLink(e.row, MS.time(MS.rows[e.row].t));
    }},
    {key: 'kind', title: 'carried by', w: '8em', get: function (e) { return e.m.k + ' ' + e.m.no; }},
    {key: 'from', title: 'From', w: 'minmax(9em,1fr)', get: function (e) { return MS.list(e.m.f); }},
    {key: 'to', title: 'To', w: 'minmax(9em,1fr)', get: function (e) { return MS.list(e.m.to); }},
    {key: 'subject', title: 'subject', w: 'minmax(10em,1.5fr)', get: function (e) { return e.m.j || ''; }},
    {key: 'size', title: 'size', w: '6em', cls: 'n', get: function (e) { return MS.bytes(e.m.b); }},
    {key: 'mism', title: 'envelope / header', w: '12.5em', get: function (e) {
      return e.m.mm && e.m.mm.length ? MS.el('span', {class: 'bad'}, e.m.mm.join(', ')) : '';
    }},
    {key: 'bcc', title: 'BCC', w: 'minmax(7em,.8fr)', help: 'envelope recipients no To/Cc header names',
      get: function (e) { return MS.list(e.m.bcc); }},
    {key: 'chain', title: 'Received chain', w: '9.5em', get: function (e) {
      var v = e.m.rv;
      return MS.el('span', {class: v === 'ok' ? 'good' : v === 'none' ? null : 'bad'},
        v === 'none' ? 'no hops' : v + ' (' + MS.plural(e.m.h, 'hop') + ')');
    }},
    {key: 'file', title: 'file', w: '5em', get: function (e) { return MS.fileLink(e.m.x, '.eml'); }}
  ];
};

MS.attachmentColumns = function () {
  return [
    {key: 'name', title: 'name', w: 'minmax(10em,1.5fr)', get: function (e) {
      return e.a.n === undefined ? '(no name)' : e.a.n;
    }},
    {key: 'type', title: 'type', w: '12em', get: function (e) { return e.a.ct || ''; }},
    {key: 'size', title: 'size', w: '6em', cls: 'n', get: function (e) { return MS.bytes(e.a.b); }},
    {key: 'md5', title: 'md5', w: '19.5em', cls: 'mono', get: function (e) { return e.a.md5; }},
    {key: 'sha', title: 'sha256', w: 'minmax(12em,1fr)', cls: 'mono', get: function (e) { return e.a.sha; }},
    {key: 'time', title: 'session', w: '15em', get: function (e) {
      return MS.sessionLink(e.row, MS.time(MS.rows[e.row].t));
    }},
    {key: 'file', title: 'extracted', w: '7em', get: function (e) {
      return e.a.x ? MS.fileLink(e.a.x, 'open file') : '';
    }}
  ];
};

/* Sort entries of the messages or attachments table by a column's text
 * (size by bytes, session by time). */
MS.sortEntries = function (list, cols, spec) {
  var m = /^([A-Za-z0-9_-]+)(:desc)?$/.exec(spec || '');
  if (!m) return list;
  var col = cols.filter(function (c) { return c.key === m[1]; })[0];
  if (!col) return list;
  var key = m[1] === 'size' ? function (e) { return (e.m || e.a).b; } :
    m[1] === 'time' ? function (e) { return MS.rows[e.row].t; } :
      function (e) { var v = col.get(e); return (typeof v === 'string' ? v : v.textContent || '').toLowerCase(); };
  var dir = m[2] ? -1 : 1;
  return list.map(function (e, i) { return [key(e), i, e]; }).sort(function (a, b) {
    var c = typeof a[0] === 'number' ? a[0] - b[0] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
    return dir * c || a[1] - b[1];
  }).map(function (x) { return x[2]; });
};

/* The table of the current tab over the filtered rows idx. */
MS.drawTable = function (idx) {
  var tab = MS.state.tab || 'sessions', box = MS.clear(MS.$('table-view'));
  var t, noun;
  if (tab === 'routes') {
    var n = MS.drawRoutes(idx, box);
    MS.$('count').textContent = MS.plural(n, 'recipient domain') + ' in ' + MS.num(idx.length) + ' sessions';
    MS.table = null;
    return;
  }
  if (tab === 'messages' || tab === 'attachments') {
    var list = [];
    idx.forEach(function (i) {
      (tab === 'messages' ? MS.rows[i].ms : MS.rows[i].at).forEach(function (x) {
        list.push(tab === 'messages' ? {row: i, m: x} : {row: i, a: x});
      });
    });
    var cols = tab === 'messages' ? MS.messageColumns() : MS.attachmentColumns();
    t = new MS.VTable(tab, cols, MS.sortEntries(list, cols, MS.state.sort), MS.state.sort);
    noun = tab;
  } else {
    t = new MS.VTable('sessions', MS.sessionColumns(), idx, MS.state.sort);
    noun = 'sessions';
  }
  MS.$('count').textContent = MS.num(t.items.length) + ' ' +
    (t.items.length === 1 ? noun.replace(/s$/, '') : noun) +
    (tab === 'sessions' ? ' of ' + MS.num(MS.rows.length) : ' in ' + MS.num(idx.length) + ' sessions');
  box.appendChild(t.box);
  MS.table = t;
  t.draw(true);
};
