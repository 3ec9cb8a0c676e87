/* msg_envelope.c - what is checked and said about a finished message
 * (message.h): the envelope against the headers, the Received chain, the
 * one-line transcript summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message.h"
#include "vec.h"

/* ---- envelope checks ---------------------------------------------------- */

/* Record a message-level finding name once (the detail of every occurrence
 * goes to the session's anomaly list). */
static void note_anomaly(ms_message *m, const char *name) {
  for (size_t i = 0; i < m->anomalies.len; i++)
    if (!strcmp(m->anomalies.items[i], name))
      return;
  strvec_push(&m->anomalies, name);
}

static bool named_in(const ms_addrvec *v, const char *addr) {
  for (size_t i = 0; i < v->len; i++)
    if (v->items[i].address && !strcasecmp(v->items[i].address, addr))
      return true;
  return false;
}

/* Host names compare case-insensitively, without a trailing dot or the
 * brackets of an address literal. */
static bool same_host(const char *a, const char *b) {
  if (!a || !b)
    return false;
  size_t al = strlen(a), bl = strlen(b);
  if (al > 1 && a[0] == '[' && a[al - 1] == ']')
    a++, al -= 2;
  if (bl > 1 && b[0] == '[' && b[bl - 1] == ']')
    b++, bl -= 2;
  if (al && a[al - 1] == '.')
    al--;
  if (bl && b[bl - 1] == '.')
    bl--;
  return al == bl && al > 0 && !strncasecmp(a, b, al);
}

/* Did the hop whose "from" clause is in `sent` come from the host that
 * wrote `received` ("by")?  The from clause names the client three ways:
 * its HELO name, its reverse DNS in the comment, its IP. */
static bool hop_links(const ms_received *sent, const ms_received *received) {
  return same_host(sent->from, received->by) ||
         same_host(sent->rdns, received->by) ||
         same_host(sent->ip, received->by);
}

/* Names that say nothing about a host's identity: several hosts use them. */
static bool anonymous_host(const char *h) {
  static const char *const names[] = {"unknown", "localhost",
                                      "localhost.localdomain", "localhost."};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcasecmp(h, names[i]))
      return true;
  return h[0] == '[' || strchr(h, '.') == NULL;
}

/* Hop i and hop i + 1 are neighbours: past MS_MAX_RECEIVED hops the
 * middle of the chain is not listed (msg_headers.c). */
static bool adjacent(const ms_message *m, size_t i) {
  return m->totals.received <= m->received.len || i + 1 != MS_MAX_RECEIVED / 2;
}

/* All hops linked the wrong way round: each hop's "by" is the "from" of
 * the one below it (oldest on top).  No MTA writes that: the headers were
 * composed by hand or by a generator. */
static bool chain_reversed(const ms_message *m) {
  size_t linked = 0;
  for (size_t i = 0; i + 1 < m->received.len; i++) {
    const ms_received *upper = &m->received.items[i];
    const ms_received *lower = &m->received.items[i + 1];
    if (!adjacent(m, i) || !upper->by ||
        !(lower->from || lower->rdns || lower->ip))
      continue;
    if (!hop_links(lower, upper))
      return false;
    linked++;
  }
  return linked > 0;
}

static void check_received_chain(ms_session *s, ms_message *m, ms_ts ts) {
  /* Hop 1 is the top (newest).  Hop i was sent by hop i+1's receiver, so
   * hop i's "from" should name hop i+1's "by". */
  bool reported_reversed = false;
  for (size_t i = 0; i + 1 < m->received.len; i++) {
    const ms_received *newer = &m->received.items[i];
    const ms_received *older = &m->received.items[i + 1];
    if (!adjacent(m, i) || !(newer->from || newer->rdns || newer->ip) ||
        !older->by)
      continue;
    if (hop_links(newer, older))
      continue;
    if (chain_reversed(m)) {
      if (!reported_reversed)
        ms_add_anomaly(s, "received_chain_break", ts,
                       "the %zu Received headers are in reverse order (hop 1, "
                       "on top, is the oldest): no MTA adds them that way",
                       m->received.len);
      reported_reversed = true;
    } else {
      ms_add_anomaly(s, "received_chain_break", ts,
                     "hop %zu came from %s, but hop %zu was received by %s: "
                     "hops %zu and below are not vouched for",
                     i + 1, newer->from ? newer->from : newer->ip, i + 2,
                     older->by, i + 2);
    }
    note_anomaly(m, "received_chain_break");
  }
  for (size_t i = 0; i < m->received.len; i++) {
    const ms_received *a = &m->received.items[i];
    if (!a->from || !a->ip || anonymous_host(a->from))
      continue;
    for (size_t j = i + 1; j < m->received.len; j++) {
      const ms_received *b = &m->received.items[j];
      if (b->from && b->ip && same_host(a->from, b->from) &&
          strcasecmp(a->ip, b->ip) != 0) {
        ms_add_anomaly(s, "received_host_ip_conflict", ts,
                       "%s is %s in hop %zu but %s in hop %zu", a->from, a->ip,
                       i + 1, b->ip, j + 1);
        note_anomaly(m, "received_host_ip_conflict");
      }
    }
  }
}

void ms_msg_check_envelope(ms_session *s, ms_message *m, const char *mail_from,
                           const strvec *rcpt_to, ms_ts ts) {
  if (m->headers_cut) { /* From, To, Cc may be cut or missing: no verdict */
    check_received_chain(s, m, ts);
    return;
  }
  if (mail_from && *mail_from && m->from.len &&
      !named_in(&m->from, mail_from)) {
    ms_add_anomaly(s, "envelope_from_mismatch", ts,
                   "MAIL FROM <%s> but From: %s", mail_from,
                   m->from.items[0].address ? m->from.items[0].address : "?");
    note_anomaly(m, "envelope_from_mismatch");
  }
  for (size_t i = 0; rcpt_to && i < rcpt_to->len; i++) {
    const char *r = rcpt_to->items[i];
    if (!named_in(&m->to, r) && !named_in(&m->cc, r) && !named_in(&m->bcc, r)) {
      ms_address *a = vec_push(&m->bcc);
      a->address = xstrdup(r);
    }
  }
  check_received_chain(s, m, ts);
}

/* ---- summary ------------------------------------------------------------ */

static void thousands(char *out, size_t n, uint64_t v) {
  char digits[32];
  int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
  size_t o = 0;
  for (int i = 0; i < len && o + 2 < n; i++) {
    if (i && (len - i) % 3 == 0)
      out[o++] = ',';
    out[o++] = digits[i];
  }
  out[o] = '\0';
}

char *ms_msg_summary(const ms_message *m) {
  char size[40];
  thousands(size, sizeof size, m->bytes);
  size_t cap = 256;
  for (size_t i = 0; i < m->attachments.len && i < 10; i++)
    cap += (m->attachments.items[i].filename
                ? strlen(m->attachments.items[i].filename)
                : 12) +
           4;
  if (m->subject)
    cap += strlen(m->subject);
  char *out = xmalloc(cap), *o = out;
  o += sprintf(o, "[message: %s bytes", size);
  if (m->subject)
    o += sprintf(o, ", Subject \"%s\"", m->subject);
  if (m->attachments.len) {
    o += sprintf(o, ", %zu attachment%s", m->attachments.len,
                 m->attachments.len == 1 ? "" : "s");
    for (size_t i = 0; i < m->attachments.len && i < 10; i++) {
      const char *fn = m->attachments.items[i].filename;
      o += sprintf(o, "%s%s", i ? ", " : ": ", fn ? fn : "(no name)");
    }
    if (m->attachments.len > 10)
      o += sprintf(o, ", ...");
  }
  if (m->truncated)
    o += sprintf(o, ", truncated");
  sprintf(o, "]");
  return out;
}
