/* util.js - helpers of the report's script (the files of
 * src/output/report_assets/ are joined in the order the Makefile lists them
 * into one inline script).
 *
 * Safety rule of the whole script: text from the capture is only ever put
 * into the page as text (textContent, attribute values through
 * setAttribute of non-event attributes), never as markup.  el() and svg()
 * are the only ways elements are made. */
'use strict';
var MS = {};

/* el('div', {class: 'x', title: t}, child, 'text', ...): children are
 * nodes or strings (strings become text nodes). */
MS.el = function (tag, attrs) {
  var e = document.createElement(tag);
  MS.fill(e, attrs, arguments, 2);
  return e;
};

MS.svg = function (tag, attrs) {
  var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  MS.fill(e, attrs, arguments, 2);
  return e;
};

MS.fill = function (e, attrs, args, from) {
  for (var k in attrs || {}) {
    if (attrs[k] === null || attrs[k] === undefined) continue;
    if (/^on/i.test(k)) throw new Error('no event attributes');
    e.setAttribute(k, String(attrs[k]));
  }
  for (var i = from; i < args.length; i++) MS.add(e, args[i]);
};

MS.add = function (e, c) {
  if (c === null || c === undefined || c === false) return;
  if (Array.isArray(c)) c.forEach(function (x) { MS.add(e, x); });
  else e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
};

MS.clear = function (e) {
  while (e.firstChild) e.removeChild(e.firstChild);
  return e;
};

MS.$ = function (id) { return document.getElementById(id); };

MS.pad = function (n, w) {
  var s = String(n);
  while (s.length < (w || 2)) s = '0' + s;
  return s;
};

/* Microseconds since the epoch as "YYYY-MM-DD HH:MM:SS.mmm" (UTC). */
MS.time = function (us, noMs) {
  var d = new Date(Math.floor(us / 1000));
  var s = d.getUTCFullYear() + '-' + MS.pad(d.getUTCMonth() + 1) + '-' +
    MS.pad(d.getUTCDate()) + ' ' + MS.pad(d.getUTCHours()) + ':' +
    MS.pad(d.getUTCMinutes()) + ':' + MS.pad(d.getUTCSeconds());
  return noMs ? s : s + '.' + MS.pad(d.getUTCMilliseconds(), 3);
};

/* "YYYY-MM-DD[ HH:MM[:SS[.mmm]]]" (UTC) to microseconds, or null. */
MS.parseTime = function (s) {
  var m = /^\s*(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?\s*Z?\s*$/
    .exec(s || '');
  if (!m) return null;
  var ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0),
    +(m[6] || 0));
  var frac = m[7] ? Math.round(+('0.' + m[7]) * 1e6) : 0;
  return isNaN(ms) ? null : ms * 1000 + frac;
};

/* "1 hop", "3 hops" */
MS.plural = function (n, word) {
  return MS.num(n) + ' ' + word + (n === 1 ? '' : 's');
};

MS.num = function (n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
};

MS.bytes = function (n) {
  if (n < 1024) return n + ' B';
  var u = ['KiB', 'MiB', 'GiB', 'TiB'], i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < u.length - 1);
  return n.toFixed(n < 10 ? 1 : 0) + ' ' + u[i];
};

MS.secs = function (us) {
  return (us / 1e6).toFixed(3) + 's';
};

MS.endpoint = function (ip, port) {
  return (ip.indexOf(':') >= 0 ? '[' + ip + ']' : ip) + ':' + port;
};

MS.domain = function (addr) {
  var i = addr.lastIndexOf('@');
  return i >= 0 ? addr.slice(i + 1).toLowerCase() : '';
};

/* The n largest counts of a Map (all when n is 0) as [[key, count], ...],
 * largest first, ties by key: a selection, not a sort of every key. */
MS.top = function (counts, n) {
  var better = function (a, b) {
    return a[1] > b[1] || (a[1] === b[1] && a[0] < b[0]);
  };
  var list = [];
  counts.forEach(function (v, k) {
    if (n && list.length === n && !better([k, v], list[n - 1])) return;
    var e = [k, v], i = list.length;
    list.push(e);
    while (i > 0 && better(e, list[i - 1])) { list[i] = list[i - 1]; i--; }
    list[i] = e;
    if (n && list.length > n) list.pop();
  });
  return list;
};

/* counts[key] += n (1 by default), for plain objects and Maps. */
MS.bump = function (counts, key, n) {
  if (key === undefined || key === null || key === '') return;
  n = n === undefined ? 1 : n;
  if (counts instanceof Map) counts.set(key, (counts.get(key) || 0) + n);
  else counts[key] = (counts[key] || 0) + n;
};

/* JSON data block by id, or fallback when absent or unreadable. */
MS.data = function (id, fallback) {
  var e = MS.$(id);
  if (!e) return fallback;
  try { return JSON.parse(e.textContent); } catch (err) { return fallback; }
};

/* A relative href of an extracted file: the report's extract directory and
 * the file name, each path segment percent-encoded. */
MS.fileHref = function (name) {
  var base = MS.meta.extract;
  if (!base || !name) return null;
  var segs = (base + name).split('/').map(function (s, i) {
    return s === '..' || s === '.' || (s === '' && i === 0) ? s :
      encodeURIComponent(s);
  });
  return segs.join('/');
};

MS.fileLink = function (name, label) {
  var href = MS.fileHref(name);
  if (!href) return label === undefined ? '' : label;
  return MS.el('a', {href: href, download: '', rel: 'noopener noreferrer',
    title: 'extracted file ' + name + ' (untrusted content)'},
  label === undefined ? name : label);
};
