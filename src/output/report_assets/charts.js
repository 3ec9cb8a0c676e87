/* charts.js - the overview: summary cards and the charts, drawn as inline
 * SVG from the rows that pass the filters.  Every bar, cell, legend entry
 * and list entry sets a filter when clicked (MS.setFilter, main.js); a drag
 * across a time chart sets the time range. */
MS.COLORS = {
  outcome: {queued: '#1e7b34', rejected: '#b00020', aborted: '#b26b00',
    retrieved: '#0f766e', 'login failed': '#7f1d1d', login: '#1a5fa8',
    tls: '#7b3fa0', 'no mail': '#9ca3af'},
  proto: {smtp: '#1a5fa8', pop3: '#d97706'},
  rc: {ok: '#1e7b34', mid: '#1a5fa8', tmp: '#b26b00', err: '#b00020',
    oth: '#9ca3af'}
};
MS.TOP_N = 10;
MS.stackBy = 'outcome';

/* Bucket sizes in microseconds, the smallest giving at most 60 bars. */
MS.BUCKETS = [1e3, 1e4, 1e5, 25e4, 5e5, 1e6, 2e6, 5e6, 1e7, 3e7, 6e7, 12e7,
  3e8, 6e8, 9e8, 18e8, 36e8, 72e8, 108e8, 216e8, 432e8, 864e8, 1728e8,
  6048e8];

MS.timeAxis = function (idx) {
  var lo = Infinity, hi = -Infinity;
  idx.forEach(function (i) {
    var r = MS.rows[i];
    if (r.t < lo) lo = r.t;
    if (r.t > hi) hi = r.t;
  });
  var from = MS.parseTime(MS.state.from), to = MS.parseTime(MS.state.to);
  if (from !== null) lo = from;
  if (to !== null) hi = to - 1;
  if (!isFinite(lo)) return null;
  var size = MS.BUCKETS[MS.BUCKETS.length - 1];
  for (var k = 0; k < MS.BUCKETS.length; k++)
    if ((hi - lo) / MS.BUCKETS[k] < 60) { size = MS.BUCKETS[k]; break; }
  var t0 = Math.floor(lo / size) * size;
  return {t0: t0, size: size, n: Math.floor((hi - t0) / size) + 1};
};

/* Everything the overview shows, counted over the rows idx. */
MS.aggregate = function (idx) {
  var a = {n: idx.length, proto: {}, tls: 0, mid: 0, withAn: 0, anTotal: 0,
    tx: [0, 0, 0, 0], loginsOk: 0, loginsFailed: 0, retrieved: 0,
    axis: MS.timeAxis(idx), time: [], rc: [], fail: new Map(), failTotal: new Map(),
    tops: {}};
  ['sender', 'rcpt', 'rdom', 'client', 'server', 'an', 'user', 'tlsv', 'tlsi',
    'route', 'rhelo'].forEach(function (k) { a.tops[k] = new Map(); });
  var ax = a.axis;
  for (var b = 0; ax && b < ax.n; b++) { a.time.push({}); a.rc.push([0, 0, 0, 0, 0]); }
  idx.forEach(function (i) {
    var r = MS.rows[i], t = a.tops;
    var bucket = ax ? Math.min(ax.n - 1, Math.max(0, Math.floor((r.t - ax.t0) / ax.size))) : 0;
    MS.bump(a.proto, r.p);
    a.tls += r.tls ? 1 : 0;
    a.mid += r.mid ? 1 : 0;
    a.withAn += r.an.length ? 1 : 0;
    a.anTotal += r.na || 0;
    if (r.tx) for (var k = 0; k < 4; k++) a.tx[k] += r.tx[k];
    a.retrieved += r.rt || 0;
    var fails = MS.failures(r);
    if (r.au) {
      a.loginsOk += r.au.r === 'success' ? 1 : 0;
      a.loginsFailed += fails;
      if (fails) MS.bump(t.user, r.au.u || '(unknown)', fails);
    }
    if (ax) {
      MS.bump(a.time[bucket], MS.stackBy === 'proto' ? r.p : r.o);
      if (r.rc) for (var c = 0; c < 5; c++) a.rc[bucket][c] += r.rc[c];
      if (fails) {
        if (!a.fail.has(r.c)) a.fail.set(r.c, {});
        MS.bump(a.fail.get(r.c), bucket, fails);
        MS.bump(a.failTotal, r.c, fails);
      }
    }
    r.f.forEach(function (x) { MS.bump(t.sender, x); });
    r.r.forEach(function (x) { MS.bump(t.rcpt, x); });
    r.rd.forEach(function (x) { MS.bump(t.rdom, x); });
    MS.bump(t.client, r.c);
    MS.bump(t.server, r.s);
    r.an.forEach(function (x) { MS.bump(t.an, x[0], x[1]); });
    MS.bump(t.tlsv, MS.tlsVersion(r));
    MS.tlsIssues(r).forEach(function (x) { MS.bump(t.tlsi, x); });
    MS.bump(t.route, MS.routeVerdict(r));
    MS.bump(t.rhelo, MS.routeHelo(r));
  });
  return a;
};

/* ---- summary cards ------------------------------------------------------ */

MS.drawSummary = function (a) {
  var box = MS.clear(MS.$('summary'));
  var li = function (label, v) { return MS.el('li', null, label + ' ', MS.el('b', null, MS.num(v))); };
  var total = MS.rows.length;
  box.appendChild(MS.el('div', {class: 'card', id: 'counts'},
    MS.el('h3', null, 'Sessions'),
    MS.el('ul', null,
      MS.el('li', null, 'sessions ', MS.el('b', null, MS.num(a.n)),
        a.n !== total ? ' of ' + MS.num(total) : ''),
      MS.el('li', null, 'smtp ', MS.el('b', null, MS.num(a.proto.smtp || 0)),
        ', pop3 ', MS.el('b', null, MS.num(a.proto.pop3 || 0))),
      MS.el('li', null, 'tls ', MS.el('b', null, MS.num(a.tls)),
        ', midstream ', MS.el('b', null, MS.num(a.mid))),
      MS.el('li', null, 'with anomalies ', MS.el('b', null, MS.num(a.withAn)),
        ' (' + MS.num(a.anTotal) + ' in all)'))));
  box.appendChild(MS.el('div', {class: 'card', id: 'outcomes'},
    MS.el('h3', null, 'Outcomes'),
    MS.el('ul', null, li('transactions queued', a.tx[1]), li('rejected', a.tx[2]),
      li('aborted', a.tx[3]), li('unfinished', a.tx[0]),
      MS.el('li', null, 'logins succeeded ', MS.el('b', null, MS.num(a.loginsOk)),
        ', failed ', MS.el('b', null, MS.num(a.loginsFailed))),
      li('messages retrieved (POP3)', a.retrieved))));
  var m = MS.meta;
  box.appendChild(MS.el('div', {class: 'card', id: 'capture'},
    MS.el('h3', null, 'Capture'),
    MS.el('ul', null, li('packets', m.packets || 0),
      MS.el('li', null, 'bytes ', MS.el('b', null, MS.bytes(m.bytes || 0))),
      m.dropped ? li('sessions dropped (table full)', m.dropped) : null,
      m.evicted ? li('sessions evicted', m.evicted) : null,
      m.gap_bytes ? li('bytes lost in gaps', m.gap_bytes) : null)));
};

/* ---- drawing ------------------------------------------------------------ */

MS.chartBox = function (id, title, cls, extra) {
  var box = MS.el('div', {class: 'chart ' + (cls || ''), id: id},
    MS.el('h3', null, title, extra || null));
  return box;
};

MS.hit = function (node, title, filters) {
  node.setAttribute('class', 'hit');
  node.appendChild(MS.svg('title', null, title));
  node.addEventListener('click', function (ev) {
    if (MS.dragged) return;
    ev.stopPropagation();
    MS.setFilter(filters);
  });
  return node;
};

MS.legend = function (colors, keys, facet, names) {
  return MS.el('div', {class: 'legend'}, keys.map(function (k) {
    var s = MS.el('span', {class: 'hit', style: null}, names ? names[k] : k);
    s.style.setProperty('--c', colors[k] || '#999');
    s.addEventListener('click', function () {
      var f = {}; f[facet] = k; MS.setFilter(f);
    });
    return s;
  }));
};

/* Bucket b of the axis as a {from, to} filter. */
MS.bucketRange = function (ax, b) {
  return {from: MS.time(ax.t0 + b * ax.size), to: MS.time(ax.t0 + (b + 1) * ax.size)};
};

MS.W = 1000;     /* width of the chart being drawn, in pixels */
MS.PAD_L = 40;   /* room for the y-axis label */

/* x-axis labels of a time chart. */
MS.axisLabels = function (g, ax, y) {
  var step = Math.max(1, Math.ceil(ax.n / 6));
  for (var b = 0; b < ax.n; b += step) {
    var x = MS.PAD_L + b * (MS.W - MS.PAD_L) / ax.n;
    var t = MS.time(ax.t0 + b * ax.size, true);
    g.appendChild(MS.svg('text', {x: x, y: y}, ax.size >= 864e8 ? t.slice(0, 10) :
      b === 0 ? t : t.slice(11)));
  }
};

/* Stacked bars: series[b] = {key: n} per bucket, keys in order. */
MS.stacked = function (ax, series, keys, colors, facet, names) {
  var H = 150, top = 8, bottom = 18;
  var max = 1;
  series.forEach(function (s) {
    var sum = 0;
    keys.forEach(function (k) { sum += s[k] || 0; });
    if (sum > max) max = sum;
  });
  var svg = MS.svg('svg', {viewBox: '0 0 ' + MS.W + ' ' + H, width: MS.W, height: H, role: 'img'});
  var bw = (MS.W - MS.PAD_L) / ax.n;
  var scale = (H - top - bottom) / max;
  svg.appendChild(MS.svg('line', {class: 'axis', x1: MS.PAD_L, x2: MS.W,
    y1: H - bottom, y2: H - bottom}));
  svg.appendChild(MS.svg('text', {x: 2, y: top + 8}, MS.num(max)));
  series.forEach(function (s, b) {
    var y = H - bottom;
    keys.forEach(function (k) {
      var v = s[k] || 0;
      if (!v) return;
      var h = Math.max(1, v * scale);
      y -= h;
      var f = MS.bucketRange(ax, b);
      f[facet] = k;
      var rect = MS.svg('rect', {x: MS.PAD_L + b * bw + 0.5, y: y,
        width: Math.max(1, bw - 1), height: h, fill: colors[k] || '#999',
        'data-k': k, 'data-b': b});
      svg.appendChild(MS.hit(rect, (names ? names[k] : k) + ': ' + MS.num(v) +
        ' (' + f.from + ' \u2013 ' + f.to + ')', f));
    });
  });
  MS.axisLabels(svg, ax, H - 4);
  MS.brush(svg, ax, H - bottom);
  return svg;
};

/* Drag across a time chart: the time range. */
MS.brush = function (svg, ax, bottom) {
  var start = null, band = null, W = MS.W, padL = MS.PAD_L;
  var toX = function (ev) {
    var r = svg.getBoundingClientRect();
    return (ev.clientX - r.left) * W / r.width;
  };
  svg.addEventListener('mousedown', function (ev) {
    start = toX(ev);
    MS.dragged = false;
  });
  svg.addEventListener('mousemove', function (ev) {
    if (start === null) return;
    var x = toX(ev);
    if (Math.abs(x - start) < 6) return;
    MS.dragged = true;
    if (!band) band = svg.appendChild(MS.svg('rect', {class: 'sel', y: 0, height: bottom}));
    band.setAttribute('x', Math.min(x, start));
    band.setAttribute('width', Math.abs(x - start));
  });
  var end = function (ev) {
    if (start === null) return;
    var x = toX(ev), a = Math.min(x, start), b = Math.max(x, start);
    start = null;
    if (!MS.dragged) return;
    var t = function (px) {
      return ax.t0 + Math.max(0, px - padL) / (W - padL) * ax.n * ax.size;
    };
    MS.setFilter({from: MS.time(Math.floor(t(a))), to: MS.time(Math.ceil(t(b)))});
    setTimeout(function () { MS.dragged = false; }, 0);
  };
  svg.addEventListener('mouseup', end);
  svg.addEventListener('mouseleave', function () {
    start = null;
    if (band) band.remove();
    band = null;
  });
};

/* Failed logins: one row per client (the most failing), one cell per
 * bucket, darker for more failures. */
MS.heatmap = function (a) {
  var ax = a.axis, clients = MS.top(a.failTotal, 12);
  var rowH = 16, top = 4, bottom = 18, labelW = 130;
  var H = top + clients.length * rowH + bottom;
  var svg = MS.svg('svg', {viewBox: '0 0 ' + MS.W + ' ' + H, width: MS.W, height: H, role: 'img'});
  var bw = (MS.W - labelW) / ax.n, max = 1;
  clients.forEach(function (c) {
    var cells = a.fail.get(c[0]);
    for (var b in cells) max = Math.max(max, cells[b]);
  });
  clients.forEach(function (c, row) {
    var y = top + row * rowH;
    var label = MS.svg('text', {x: 2, y: y + 12}, c[0].length > 20 ? c[0].slice(0, 19) + '\u2026' : c[0]);
    svg.appendChild(MS.hit(label, c[0] + ': ' + MS.num(c[1]) + ' failed', {fail: c[0]}));
    var cells = a.fail.get(c[0]);
    for (var b in cells) {
      var v = cells[b], f = MS.bucketRange(ax, +b);
      f.fail = c[0];
      var cell = MS.svg('rect', {'data-c': c[0], x: labelW + b * bw + 0.5, y: y + 1,
        width: Math.max(1, bw - 1), height: rowH - 2, fill: '#b00020',
        'fill-opacity': (0.15 + 0.85 * v / max).toFixed(2)});
      svg.appendChild(MS.hit(cell, c[0] + ': ' + MS.num(v) + ' failed (' +
        f.from + ' \u2013 ' + f.to + ')', f));
    }
  });
  var save = MS.PAD_L;
  MS.PAD_L = labelW;
  MS.axisLabels(svg, ax, H - 4);
  MS.PAD_L = save;
  return svg;
};

/* A top list as horizontal bars (HTML: labels stay readable). */
MS.bars = function (list, facet) {
  var max = list.length ? list[0][1] : 1;
  return MS.el('ol', {class: 'bars'}, list.map(function (e) {
    var f = {}, bar = MS.el('i');
    f[facet] = e[0];
    bar.style.width = Math.max(1, 100 * e[1] / max) + '%';
    var li = MS.el('li', {class: 'hit', 'data-v': e[0], title: e[0] + ': ' + MS.num(e[1])},
      MS.el('span', {class: 'lbl'}, e[0]), MS.el('span', {class: 'bar'}, bar),
      MS.el('b', null, MS.num(e[1])));
    li.addEventListener('click', function () { MS.setFilter(f); });
    return li;
  }));
};

MS.TOPS = [
  ['top-senders', 'Top senders', 'sender', 'envelope MAIL FROM'],
  ['top-recipients', 'Top recipients', 'rcpt', 'accepted RCPT TO'],
  ['top-domains', 'Top recipient domains', 'rdom', ''],
  ['top-clients', 'Top clients', 'client', 'sessions'],
  ['top-servers', 'Top servers', 'server', 'sessions'],
  ['top-anomalies', 'Anomalies', 'an', 'by name'],
  ['failed-users', 'Failed logins by user', 'user', 'attempts'],
  ['tls-versions', 'TLS', 'tlsv', 'version, or how TLS started'],
  ['tls-issues', 'Certificate issues', 'tlsi', ''],
  ['route', 'Routing verdicts', 'route', 'server address against the MX of the recipient domains'],
  ['route-helo', 'HELO against reverse DNS', 'rhelo', 'the client\u2019s PTR names']
];

MS.drawCharts = function (a) {
  var box = MS.clear(MS.$('charts'));
  /* measured on load and on resize (main.js), not here: reading it now
   * would lay the page out in the middle of the redraw */
  var full = MS.chartsWidth || 1000, gap = 11;
  var wide = full - 22, half = Math.floor((full - gap) / 2) - 22;
  if (!a.axis) {
    box.appendChild(MS.el('p', {class: 'empty'}, 'No sessions match.'));
    return;
  }
  var toggle = MS.el('button', {class: 'toggle', type: 'button'},
    'stack by ' + (MS.stackBy === 'outcome' ? 'protocol' : 'outcome'));
  toggle.addEventListener('click', function () {
    MS.stackBy = MS.stackBy === 'outcome' ? 'proto' : 'outcome';
    MS.refresh();
  });
  var by = MS.stackBy, colors = MS.COLORS[by];
  var keys = Object.keys(colors);
  var c = box.appendChild(MS.chartBox('c-time', 'Sessions over time', 'wide',
    [MS.el('span', {class: 'note'}, 'by ' + by + ', ' + MS.bucketName(a.axis.size) +
      ' bars; click a bar to filter, drag for a time range'), toggle]));
  MS.W = Math.max(240, wide);
  c.appendChild(MS.stacked(a.axis, a.time, keys, colors, by));
  c.appendChild(MS.legend(colors, keys, by));
  c = box.appendChild(MS.chartBox('c-replies', 'Replies by class over time', 'half',
    MS.el('span', {class: 'note'}, 'replies, at their session\u2019s start; click: sessions with such a reply')));
  var rcSeries = a.rc.map(function (v) {
    var o = {};
    MS.RC.forEach(function (k, i) { o[k] = v[i]; });
    return o;
  });
  MS.W = Math.max(240, full < 1000 ? wide : half);
  if (a.rc.some(function (v) { return v.some(function (n) { return n > 0; }); })) {
    c.appendChild(MS.stacked(a.axis, rcSeries, MS.RC, MS.COLORS.rc, 'rc', MS.RC_NAMES));
    c.appendChild(MS.legend(MS.COLORS.rc, MS.RC, 'rc', MS.RC_NAMES));
  } else {
    c.appendChild(MS.el('p', {class: 'empty'}, 'No reply classes recorded.'));
  }
  c = box.appendChild(MS.chartBox('c-authfail', 'Failed logins per client over time', 'half',
    MS.el('span', {class: 'note'}, 'password guessing shows as a wall')));
  MS.W = Math.max(240, full < 1000 ? wide : half);
  if (a.failTotal.size) c.appendChild(MS.heatmap(a));
  else c.appendChild(MS.el('p', {class: 'empty'}, 'No failed logins.'));
  MS.TOPS.forEach(function (t) {
    var list = MS.top(a.tops[t[2]], MS.TOP_N);
    if ((t[2] === 'route' || t[2] === 'rhelo') && !MS.hasRoutes) return;
    var distinct = a.tops[t[2]].size;
    var box2 = MS.chartBox(t[0], t[1], 'small', MS.el('span', {class: 'note'},
      t[3] + (distinct > MS.TOP_N ? ' \u00b7 ' + MS.num(distinct) + ' distinct' : '')));
    box2.appendChild(list.length ? MS.bars(list, t[2]) :
      MS.el('p', {class: 'empty'}, t[2] === 'tlsi' ?
        'No certificate facts in this report.' : 'None.'));
    box.appendChild(box2);
  });
};

MS.bucketName = function (us) {
  if (us < 1e6) return us / 1e3 + ' ms';
  if (us < 6e7) return us / 1e6 + ' s';
  if (us < 36e8) return us / 6e7 + ' min';
  if (us < 864e8) return us / 36e8 + ' h';
  return us / 864e8 + ' d';
};
