/* main.js - wiring: the filter controls, the chips of active filters, the
 * tabs, the URL fragment (the view's state, see data.js) and the switch
 * between the overview and a session page.  MS.refresh() redraws from
 * MS.state; MS.lastRefreshMs says how long the last one took. */
MS.CONTROLS = {proto: 'f-proto', outcome: 'f-outcome', auth: 'f-auth',
  anom: 'f-anom', att: 'f-att', from: 'f-from', to: 'f-to', q: 'q'};

/* Make st the state: the fragment follows (a new history entry when push),
 * then the page. */
MS.go = function (st, push) {
  MS.state = st;
  var h = MS.hashOf(st), url = location.pathname + location.search + h;
  try {
    history[push ? 'pushState' : 'replaceState'](null, '', url);
  } catch (e) { /* some browsers refuse history on file: pages */
    MS.ownHash = h;
    location.hash = h;
  }
  MS.refresh();
};

MS.copyState = function () {
  var st = {};
  for (var k in MS.state) st[k] = MS.state[k];
  return st;
};

/* Set filters (a value of '' removes one); back to the list. */
MS.setFilter = function (f) {
  var st = MS.copyState();
  for (var k in f) st[k] = f[k];
  delete st.s;
  MS.go(st, true);
};

MS.setSort = function (key, desc) {
  var st = MS.copyState();
  st.sort = key + (desc ? ':desc' : '');
  MS.go(st, false);
};

MS.openSession = function (i) {
  var st = MS.copyState();
  st.s = MS.rows[i].u;
  MS.listScroll = window.scrollY;
  MS.go(st, true);
  window.scrollTo(0, 0);
};

MS.closeSession = function () {
  var st = MS.copyState();
  delete st.s;
  MS.go(st, true);
  if (MS.listScroll !== undefined) window.scrollTo(0, MS.listScroll);
};

MS.syncControls = function () {
  for (var k in MS.CONTROLS) {
    var e = MS.$(MS.CONTROLS[k]);
    if (e && document.activeElement !== e) e.value = MS.state[k] || '';
    if (e && (k === 'from' || k === 'to'))
      e.classList.toggle('bad', !!MS.state[k] && MS.parseTime(MS.state[k]) === null);
  }
  var chips = MS.clear(MS.$('chips'));
  MS.FILTERS.forEach(function (k) {
    if (!MS.state[k]) return;
    var x = MS.el('button', {type: 'button', title: 'remove', 'aria-label': 'remove ' + MS.LABELS[k]}, '\u00d7');
    x.addEventListener('click', function () {
      var f = {}; f[k] = ''; MS.setFilter(f);
    });
    chips.appendChild(MS.el('span', {class: 'chip', 'data-k': k}, MS.LABELS[k] + ': ' +
      (k === 'rc' ? MS.RC_NAMES[MS.state[k]] || MS.state[k] : MS.state[k]), x));
  });
  [].forEach.call(document.querySelectorAll('#tabs button'), function (b) {
    b.setAttribute('aria-pressed', String(b.getAttribute('data-tab') === (MS.state.tab || 'sessions')));
  });
};

MS.refresh = function () {
  var t0 = performance.now();
  var i = MS.state.s !== undefined ? MS.byUid[MS.state.s] : undefined;
  MS.$('overview').hidden = i !== undefined;
  MS.$('session').hidden = i === undefined;
  if (i !== undefined) {
    if (!MS.$('d-' + i) && document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', MS.refresh);
      return;
    }
    MS.drawSession(i);
    document.title = 'mailscope: session ' + MS.rows[i].u;
  } else {
    if (!MS.chartsWidth) MS.chartsWidth = MS.$('charts').clientWidth;
    var idx = MS.view();
    MS.syncControls();
    var a = MS.lastAgg = MS.aggregate(idx);
    MS.drawSummary(a);
    MS.drawCharts(a);
    MS.drawTable(idx);
    document.title = 'mailscope report';
  }
  MS.lastRefreshMs = performance.now() - t0;
  if (!document.body.hasAttribute('data-ready')) document.body.setAttribute('data-ready', '1');
};

MS.fromLocation = function () {
  var h = location.hash;
  if (MS.ownHash !== undefined && h === MS.ownHash) return;
  MS.ownHash = undefined;
  var st = MS.parseHash(h);
  if (MS.hashOf(st) === MS.hashOf(MS.state) && document.body.hasAttribute('data-ready')) return;
  MS.state = st;
  MS.refresh();
};

MS.wire = function () {
  Object.keys(MS.CONTROLS).forEach(function (k) {
    var e = MS.$(MS.CONTROLS[k]);
    if (!e) return;
    if (k === 'q') {
      var timer = null;
      e.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var st = MS.copyState();
          st.q = e.value;
          MS.go(st, false);
        }, 150);
      });
    } else {
      e.addEventListener('change', function () {
        var f = {};
        f[k] = e.value.trim();
        MS.setFilter(f);
      });
    }
  });
  MS.$('reset').addEventListener('click', function () {
    MS.go({tab: MS.state.tab, sort: MS.state.sort}, true);
  });
  [].forEach.call(document.querySelectorAll('#tabs button'), function (b) {
    b.addEventListener('click', function () {
      var st = MS.copyState();
      st.tab = b.getAttribute('data-tab');
      delete st.sort;
      delete st.s;
      MS.go(st, true);
      MS.$('filters').scrollIntoView();
    });
  });
  var resize = null;
  window.addEventListener('resize', function () {
    clearTimeout(resize);
    resize = setTimeout(function () {
      if (MS.$('overview').hidden) return;
      MS.chartsWidth = MS.$('charts').clientWidth;
      if (MS.lastAgg) MS.drawCharts(MS.lastAgg);
    }, 200);
  });
  window.addEventListener('hashchange', MS.fromLocation);
  window.addEventListener('popstate', MS.fromLocation);
};

MS.init = function () {
  MS.load();
  MS.hasRoutes = MS.rows.some(function (r) { return !!r.route; });
  MS.$('tabs').querySelector('[data-tab=routes]').hidden = !MS.hasRoutes;
  if (MS.rows.length) {
    MS.$('span').textContent = MS.time(MS.rows.reduce(function (m, r) { return Math.min(m, r.t); }, Infinity)) +
      ' \u2013 ' + MS.time(MS.rows.reduce(function (m, r) { return Math.max(m, r.e); }, -Infinity)) + ' UTC';
  }
  MS.wire();
  MS.state = MS.parseHash(location.hash);
  MS.refresh();
  if (performance.mark) {
    performance.mark('mailscope-ready');
    requestAnimationFrame(function () {
      requestAnimationFrame(function () { performance.mark('mailscope-painted'); });
    });
  }
  MS.prepareSearch(0);
};

/* Build the search text of every row while the page is idle, so that the
 * first search does not pay for it. */
MS.prepareSearch = function (from) {
  var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 50); };
  idle(function () {
    var end = Math.min(MS.rows.length, from + 2000);
    for (var i = from; i < end; i++) MS.haystack(MS.rows[i]);
    if (end < MS.rows.length) MS.prepareSearch(end);
  });
};

window.mailscopeReport = MS; /* for the console and the tests */
MS.init();
