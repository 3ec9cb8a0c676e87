/* session.js - a session's page: its facts (connection, greeting, auth,
 * transactions, POP3 mailbox, each message with its headers, Received
 * hops and chain verdict, attachments, TLS and routing when the record has
 * them, anomalies) and its ladder, client left, server right, time flowing
 * down.  The detail is the JSON block "d-N" of row N, parsed on opening. */
MS.dl = function (pairs) {
  var dl = MS.el('dl');
  pairs.forEach(function (p) {
    if (p[1] === undefined || p[1] === null || p[1] === '' ||
        (Array.isArray(p[1]) && !p[1].length)) return;
    dl.appendChild(MS.el('dt', null, p[0]));
    dl.appendChild(MS.el('dd', null, Array.isArray(p[1]) ? p[1].join(', ') : p[1]));
  });
  return dl;
};

MS.fact = function (title, cls) {
  var args = [].slice.call(arguments, 2);
  return MS.el('section', {class: 'fact ' + (cls || '')}, MS.el('h3', null, title), args);
};

MS.table2 = function (head, rows) {
  return MS.el('table', null,
    MS.el('thead', null, MS.el('tr', null, head.map(function (h) { return MS.el('th', null, h); }))),
    MS.el('tbody', null, rows.map(function (r) {
      return MS.el('tr', null, r.map(function (c) { return MS.el('td', null, c); }));
    })));
};

/* Any object (the TLS facts) as a list of facts, knowing none of its
 * names: objects nest as lists, arrays of objects as numbered lists,
 * arrays of values joined; deeper than four levels as JSON text. */
MS.anyFacts = function (o, depth) {
  depth = depth || 0;
  var val = function (v) {
    if (v === null || typeof v !== 'object') return String(v);
    if (depth >= 4) return JSON.stringify(v);
    if (!Array.isArray(v)) return MS.anyFacts(v, depth + 1);
    if (!v.some(function (x) { return x !== null && typeof x === 'object'; }))
      return v.map(String).join(', ');
    return MS.el('ol', {class: 'any'}, v.map(function (x) {
      return MS.el('li', null, x !== null && typeof x === 'object' && !Array.isArray(x) ?
        MS.anyFacts(x, depth + 1) : val(x));
    }));
  };
  return MS.dl(Object.keys(o).map(function (k) { return [k, val(o[k])]; }));
};

/* TLS: the detail's facts whatever they are, the certificate issues and
 * the session's anomalies about TLS (names holding "tls"), in red. */
MS.tlsFacts = function (r, d) {
  var an = r.an.filter(function (a) { return a[0].indexOf('tls') >= 0; });
  var iss = MS.tlsIssues(r);
  return MS.fact('TLS', 'wide', MS.anyFacts(d.tls),
    iss.length ? MS.el('p', {class: 'bad'}, 'certificate issues: ' + iss.join(', ')) : null,
    an.length ? MS.el('p', {class: 'bad'}, 'anomalies: ' + an.map(function (a) {
      return a[0] + (a[1] > 1 ? ' \u00d7' + a[1] : '');
    }).join(', ')) : null);
};

MS.connectionFacts = function (r, d) {
  var h = d.hd || {};
  return MS.fact('Connection', '', MS.dl([
    ['started', MS.time(r.t) + ' UTC'],
    ['duration', MS.secs(r.e - r.t)],
    ['client', MS.endpoint(r.c, r.cp)],
    ['server', MS.endpoint(r.s, r.sp)],
    ['ended by', h.end],
    ['bytes c\u2192s / s\u2192c', h.b ? MS.num(h.b[0]) + ' / ' + MS.num(h.b[1]) : ''],
    ['packets', h.pk ? MS.num(h.pk[0]) + ' / ' + MS.num(h.pk[1]) : ''],
    ['IP version', h.ipv],
    ['VLAN', h.vlan],
    ['tunnels', (h.tun || []).map(function (t) {
      return t.type + ' ' + MS.endpoint(t.c[0], t.c[1]) + ' \u2192 ' + MS.endpoint(t.s[0], t.s[1]) +
        (t.id !== undefined ? ' id ' + t.id : '');
    })],
    ['bytes lost in gaps', h.gap ? MS.num(h.gap) : ''],
    ['midstream', r.mid ? 'yes: the capture starts inside the session' : ''],
    ['TLS', r.tls ? r.tls.start : ''],
    ['uid', r.u]
  ]));
};

MS.greetingFacts = function (d) {
  var h = d.hd || {};
  if (!h.banner && !h.helo && !h.caps) return null;
  return MS.fact('Greeting', '', MS.dl([
    ['banner', h.banner], ['HELO / EHLO', h.helo],
    ['ESMTP', h.esmtp ? 'yes' : ''], ['capabilities', h.caps],
    ['mailbox', h.mbn !== undefined ? MS.num(h.mbn) + ' messages, ' + MS.num(h.mbb) + ' octets' : '']
  ]));
};

MS.authFacts = function (d) {
  var a = d.au;
  if (!a) return null;
  return MS.fact('Authentication', '', MS.dl([
    ['mechanism', a.m], ['user', a.u], ['authorization id', a.z],
    ['password', a.pw], ['challenge', a.ch],
    ['result', MS.el('span', {class: a.r === 'failure' ? 'bad' : a.r === 'success' ? 'good' : null}, a.r)],
    ['attempts', a.n ? String(a.n) : ''], ['failed', a.f ? String(a.f) : '']
  ]));
};

MS.msgLink = function (k) {
  if (k === undefined || k < 0) return '';
  var a = MS.el('a', {href: '#'}, 'message ' + (k + 1));
  a.addEventListener('click', function (ev) {
    ev.preventDefault();
    var t = MS.$('msg-' + k);
    if (t) t.scrollIntoView();
  });
  return a;
};

MS.transactionFacts = function (d) {
  if (!d.tx) return null;
  /* RCPTs the capture holds no reply to (rcpt_unanswered): a column beside
   * the refused ones, when a transaction has any */
  var unanswered = d.tx.some(function (t) { return t.ru; });
  var head = ['#', 'at', 'MAIL FROM', 'accepted recipients', 'refused'];
  if (unanswered) head.push('unanswered');
  return MS.fact('Transactions', 'wide', MS.table2(
    head.concat(['status', 'reply', 'queue id', 'message']),
    d.tx.map(function (t, k) {
      var rp = t.rp ? [t.rp.code, t.rp.st, t.rp.enh, t.rp.x].filter(function (x) {
        return x !== undefined && x !== null;
      }).join(' ') : '';
      var row = [String(k + 1), '+' + MS.secs(t.t), t.f + (t.par ? ' ' + t.par : ''),
        MS.list(t.r, t.rn ? t.rn - t.r.length : 0),
        (t.rj || []).map(function (x) { return x[0] + ' (' + x[1] + ')'; }).join(', ')];
      if (unanswered) row.push(MS.list(t.ru, t.run ? t.run - t.ru.length : 0));
      return row.concat([
        MS.el('span', {class: t.st === 'queued' ? 'good' : t.st === 'rejected' ? 'bad' : null}, t.st),
        rp, t.q || '', MS.msgLink(t.m)]);
    })), d.txn ? MS.el('p', {class: 'note'}, MS.num(d.txn) + ' transactions in all') : null);
};

MS.pop3Facts = function (d) {
  if (!d.pm && !d.del) return null;
  return MS.fact('Retrieved messages', '', d.pm ? MS.table2(['number', 'uid', 'command', 'octets', 'message'],
    d.pm.map(function (p) {
      return [String(p.no), p.uid || '', p.cmd || '', MS.num(p.b), MS.msgLink(p.m)];
    })) : null, MS.dl([['deleted', (d.del || []).map(String)]]));
};

MS.messageFacts = function (m, k) {
  var verdict = m.rv === 'none' ? 'no Received hops' : m.rv === 'ok' ?
    'consistent (' + MS.plural((m.rcv || []).length, 'hop') + ')' : m.rv;
  var box = MS.fact('Message ' + (k + 1) + ' \u00b7 ' + m.k + ' ' + m.no, 'wide',
    MS.dl([['size', MS.bytes(m.b) + (m.cut ? ' (cut: the session ended first)' : '')],
      ['sha256', m.sha], ['extracted', m.x ? MS.fileLink(m.x) : ''],
      ['MIME parts', m.parts ? String(m.parts) : '']]),
    MS.el('h3', null, 'Headers'),
    MS.dl((m.hdr || []).map(function (h) { return [h[0], h[1]]; })));
  box.id = 'msg-' + k;
  box.appendChild(MS.el('h3', null, 'Received path: ',
    MS.el('span', {class: m.rv === 'ok' ? 'good' : m.rv === 'none' ? null : 'bad'}, verdict)));
  if (m.rcv)
    box.appendChild(MS.table2(['hop', 'from', 'by', 'IP', 'with', 'id', 'for', 'date'],
      m.rcv.map(function (h, i) {
        return [String(i + 1), h.from || '', h.by || '', h.ip || '', h.with || '',
          h.id || '', h.for || '', h.date || ''];
      })));
  if (m.an && m.an.length)
    box.appendChild(MS.dl([['findings', m.an]]));
  if (m.att)
    box.appendChild(MS.table2(['attachment', 'type', 'disposition', 'size', 'md5', 'sha256', 'file'],
      m.att.map(function (a) {
        return [a.n === undefined ? '(no name)' : a.n, a.ct || '', a.disp || '', MS.bytes(a.b),
          a.md5, a.sha, a.x ? MS.fileLink(a.x, 'open') : ''];
      })));
  return box;
};

/* The route (DNS of the capture): the verdict, the client's reverse DNS
 * and HELO checks, then per recipient domain its MX hosts. */
MS.routeFacts = function (r) {
  var addrs = function (x) {
    return x ? (x.cn && x.cn.length ? 'CNAME ' + x.cn.join(' \u2192 ') + ': ' : '') +
      (x.a ? x.a.join(', ') || '(none)' : '(addresses not seen)') : '';
  };
  var v = MS.el('span', {class: r.v === 'not_mx' ? 'bad' : r.v === 'mx' ? 'good' : null}, r.v);
  return MS.fact('Mail routing', 'wide', MS.dl([
    ['verdict', v], ['submission', r.sub ? 'yes: handed to a submission server, not an MX delivery' : ''],
    ['client PTR', r.ptrlk + (r.ptr && r.ptr.length ? ': ' + r.ptr.join(', ') : '')],
    ['HELO against PTR', r.helo],
    ['HELO resolves to the client', r.fwd === 1 ? 'yes' : r.fwd === 0 ? 'no' : '']
  ]), r.dom && r.dom.length ? MS.table2(['domain', 'verdict', 'MX lookup', 'MX hosts (preference, addresses)', 'domain addresses'],
    r.dom.map(function (d) {
      return [d.d, MS.el('span', {class: d.v === 'not_mx' ? 'bad' : d.v === 'mx' ? 'good' : null}, d.v),
        d.lk + (d.null ? ' (null MX: no mail wanted)' : ''),
        MS.el('div', {class: 'pre'}, d.mx.map(function (m) {
          return m.p + ' ' + m.h + ' [' + addrs(m) + ']' + (m.srv ? ' \u2190 the server' : '');
        }).join('\n')), d.self ? addrs(d.self) : ''];
    })) : null);
};

MS.anomalyFacts = function (d) {
  var an = d.lad && d.lad.an;
  if (!an) return null;
  return MS.fact('Anomalies', 'wide', MS.el('ul', {class: 'alist'}, an.map(function (a, k) {
    var go = MS.el('a', {href: '#'}, 'at the line');
    go.addEventListener('click', function (ev) {
      ev.preventDefault();
      var t = MS.$('an-' + k);
      if (!t) return;
      t.scrollIntoView({block: 'center'});
      t.classList.add('target');
    });
    return MS.el('li', null, MS.el('span', {class: 'an'}, a.n), ' +' + MS.secs(a.t) + ' ',
      a.d || '', ' (', go, ')');
  })), d.lad.capped ? MS.el('p', {class: 'note'}, 'more anomalies were dropped (record_limit)') : null);
};

/* ---- the ladder --------------------------------------------------------- */

MS.stepNode = function (s) {
  var cls = 'st ' + (s.k === 'c' ? 'c2s' : 's2c') + (s.cl ? ' ' + s.cl : '') +
    (s.sasl ? ' sasl' : '') + (s.sum ? ' sum' : '');
  var tx = MS.el('div', {class: 'tx'});
  if (s.sasl) tx.appendChild(MS.el('span', {class: 'badge', title: 'SASL exchange step'}, 'SASL'));
  if (s.red) tx.appendChild(MS.el('span', {class: 'badge red', title: 'a secret was replaced'}, 'redacted'));
  s.x.forEach(function (line, k) {
    if (k) tx.appendChild(document.createTextNode('\n'));
    tx.appendChild(document.createTextNode(line));
    if (s.n && s.n[k]) tx.appendChild(MS.el('i', null, ' [' + s.n[k] + ']'));
  });
  return MS.el('div', {class: cls}, MS.el('span', {class: 't'}, '+' + MS.secs(s.t)), tx,
    MS.el('div', {class: 'ar'}));
};

MS.anomalyNode = function (a, k) {
  return MS.el('div', {class: 'anom', id: 'an-' + k},
    '\u26a0 ', MS.el('span', {class: 'an'}, a.n), ' ', MS.el('span', {class: 'd'}, a.d || ''));
};

MS.ladder = function (lad) {
  var box = MS.el('div', {class: 'lad', id: 'ladder'});
  var steps = lad.st || [], at = {};
  (lad.an || []).forEach(function (a, k) {
    (at[a.s] = at[a.s] || []).push(MS.anomalyNode(a, k));
  });
  MS.add(box, at[-1]);
  var flight = null, flights = 0;
  steps.forEach(function (s, i) {
    if (s.k === 'n') {
      flight = null;
      box.appendChild(MS.el('div', {class: 'notice'}, s.x.join(' ')));
    } else if (s.k === 'c' && s.g) {
      if (!flight || flight.g !== s.g) {
        var n = 0;
        for (var j = i; j < steps.length && steps[j].k === 'c' && steps[j].g === s.g; j++) n++;
        flight = {g: s.g, node: MS.el('div', {class: 'flight f' + (flights++ % 3)},
          MS.el('span', {class: 'lbl'}, 'pipelined: ' + n + (n === 1 ? ' command' : ' commands')))};
        box.appendChild(flight.node);
      }
      flight.node.appendChild(MS.stepNode(s));
    } else {
      flight = null;
      box.appendChild(MS.stepNode(s));
    }
    MS.add(flight && s.k === 'c' ? flight.node : box, at[i]);
  });
  MS.add(box, at[steps.length]);
  return box;
};

MS.drawSession = function (i) {
  var r = MS.rows[i], d = MS.data('d-' + i, null), box = MS.clear(MS.$('session'));
  var back = MS.el('a', {href: '#', class: 'back'}, '\u2190 back to the list');
  back.addEventListener('click', function (ev) {
    ev.preventDefault();
    MS.closeSession();
  });
  box.appendChild(MS.el('h2', null, back, r.p.toUpperCase() + ' ' + MS.endpoint(r.c, r.cp) +
    ' \u2192 ' + MS.endpoint(r.s, r.sp) + ' ', MS.el('small', {class: 'note'},
    MS.time(r.t) + ' UTC \u00b7 ' + r.o + ' \u00b7 uid ' + r.u)));
  if (!d) {
    box.appendChild(MS.el('p', {class: 'warn'}, 'The detail of this session is missing from the file.'));
    return;
  }
  var facts = MS.el('div', {class: 'facts'});
  MS.add(facts, [MS.connectionFacts(r, d), MS.greetingFacts(d), MS.authFacts(d),
    MS.pop3Facts(d), MS.transactionFacts(d)]);
  (d.msg || []).forEach(function (m, k) { facts.appendChild(MS.messageFacts(m, k)); });
  if (d.tls) facts.appendChild(MS.tlsFacts(r, d));
  if (r.route) facts.appendChild(MS.routeFacts(r.route));
  MS.add(facts, MS.anomalyFacts(d));
  box.appendChild(facts);
  box.appendChild(MS.el('h2', null, 'Ladder'));
  box.appendChild(MS.el('p', {class: 'note key'},
    MS.el('span', {class: 'k-ok'}, '2xx / +OK'), MS.el('span', {class: 'k-mid'}, '3xx / + continuation'),
    MS.el('span', {class: 'k-tmp'}, '4xx'), MS.el('span', {class: 'k-err'}, '5xx / -ERR'),
    MS.el('span', null, 'dashed arrow: SASL step'), MS.el('span', null, 'band: one pipelined flight'),
    MS.el('span', null, 'left: seconds since the first packet'),
    MS.el('span', {class: 'k-an'}, '\u26a0 anomaly, at the line that raised it')));
  box.appendChild(MS.el('div', {class: 'ends'}, MS.el('span', null, 'client ' + MS.endpoint(r.c, r.cp)),
    MS.el('span', null, 'server ' + MS.endpoint(r.s, r.sp))));
  var lad = d.lad || {};
  box.appendChild(MS.ladder(lad));
  if (lad.hid)
    box.appendChild(MS.el('p', {class: 'more'}, '... ' + MS.num(lad.hid) + ' more lines'));
  if (r.tls && r.tls.start === 'implicit')
    box.appendChild(MS.el('p', {class: 'notice'}, (d.tls && d.tls.decrypted ? 'TLS from the first byte (implicit TLS): decrypted' : 'TLS from the first byte (implicit TLS): not decoded')));
};
