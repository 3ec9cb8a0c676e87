/* routing.c - the route of an SMTP session from cached DNS answers (see
 * routing.h). */
#include "routing.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CNAME_HOPS 8

typedef struct {
  const ms_dnscache *c;
  ms_session *s;
  ms_route *r;
  ms_ts at;   /* the moment judged */
  bool quiet; /* looking again: changes were noted already */
} judge;

/* ---- names and addresses ------------------------------------------------
 */

static void addr_text(const ms_dns_rdata *d, uint16_t type, char *out,
                      size_t n) {
  inet_ntop(type == MS_DNS_T_A ? AF_INET : AF_INET6, d->addr, out,
            (socklen_t)n);
}

static bool has_string(const strvec *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (!strcmp(v->items[i], s))
      return true;
  return false;
}

/* A name as DNS text: lower case, no trailing dot; NULL when empty. */
static char *dns_name(const char *p, size_t n) {
  while (n && (p[n - 1] == '.' || p[n - 1] == ' '))
    n--;
  while (n && *p == ' ')
    p++, n--;
  if (!n || n >= MS_DNS_NAME_TEXT)
    return NULL;
  char *d = xstrndup(p, n);
  for (char *c = d; *c; c++)
    *c = (char)tolower((unsigned char)*c);
  return d;
}

/* The domain of an address ("user@Example.COM." -> "example.com"); NULL
 * for an address literal or none. */
static char *recipient_domain(const char *addr) {
  const char *at = strrchr(addr, '@');
  if (!at || at[1] == '[')
    return NULL;
  return dns_name(at + 1, strlen(at + 1));
}

/* ---- what changed --------------------------------------------------------
 */

static void answer_text(char *out, size_t n, const ms_dns_answer *a,
                        uint16_t type) {
  size_t o = 0;
  out[0] = '\0';
  if (!a->n)
    snprintf(out, n, "%s", a->rcode ? "no such name" : "no record");
  for (uint16_t i = 0; i < a->n && o + 1 < n; i++) {
    char addr[64];
    const ms_dns_rdata *d = &a->rd[i];
    if (d->target && type == MS_DNS_T_MX)
      o += (size_t)snprintf(out + o, n - o, "%s%u %s", i ? ", " : "", d->pref,
                            d->target);
    else if (d->target)
      o += (size_t)snprintf(out + o, n - o, "%s%s", i ? ", " : "", d->target);
    else {
      addr_text(d, type, addr, sizeof addr);
      o += (size_t)snprintf(out + o, n - o, "%s%s", i ? ", " : "", addr);
    }
  }
}

static bool shares_record(const ms_dns_answer *a, const ms_dns_answer *b) {
  for (uint16_t i = 0; i < a->n; i++)
    for (uint16_t j = 0; j < b->n; j++)
      if (!memcmp(a->rd[i].addr, b->rd[j].addr, 16))
        return true;
  return false;
}

static const char *type_name(uint16_t t) {
  switch (t) {
  case MS_DNS_T_MX:
    return "MX";
  case MS_DNS_T_A:
    return "A";
  case MS_DNS_T_AAAA:
    return "AAAA";
  case MS_DNS_T_CNAME:
    return "CNAME";
  default:
    return "PTR";
  }
}

/* An answer that replaced another within the window: an anomaly when the
 * MX set changed at all, or when addresses changed for wholly different
 * ones (rotating pools keep some of theirs). */
static void note_change(judge *j, const char *name, uint16_t type,
                        const ms_dns_answer *now, const ms_dns_answer *before) {
  if (!before)
    return;
  bool addresses = type == MS_DNS_T_A || type == MS_DNS_T_AAAA;
  if (addresses && (shares_record(now, before) || !now->n || !before->n))
    return;
  char was[256], is[256];
  answer_text(was, sizeof was, before, type);
  answer_text(is, sizeof is, now, type);
  char *detail =
      xasprintf("%s of %s was %s, became %s", type_name(type), name, was, is);
  bool noted = false;
  for (size_t i = 0; i < j->s->anomalies.len && !noted; i++)
    noted = !strcmp(j->s->anomalies.items[i].name, "dns_answer_changed") &&
            !strcmp(j->s->anomalies.items[i].detail, detail);
  if (!noted)
    ms_add_anomaly(j->s, "dns_answer_changed", now->first_seen, "%s", detail);
  free(detail);
}

/* The answer of (name, type) at the judged moment, changes noted. */
static const ms_dns_answer *lookup(judge *j, const char *name, uint16_t type) {
  const ms_dns_answer *before = NULL;
  const ms_dns_answer *a = ms_dnscache_get(j->c, name, type, j->at, &before);
  if (a && !j->quiet)
    note_change(j, name, type, a, before);
  return a;
}

/* ---- resolving -----------------------------------------------------------
 */

static void add_addresses(ms_route_addrs *out, const ms_dns_answer *a,
                          uint16_t type) {
  if (!a)
    return;
  out->seen = true;
  for (uint16_t i = 0; i < a->n; i++) {
    char text[64];
    addr_text(&a->rd[i], type, text, sizeof text);
    if (!has_string(&out->addresses, text))
      strvec_push(&out->addresses, text);
  }
}

/* name -> CNAMEs -> A/AAAA.  *recent: the addresses were seen within
 * MS_ROUTE_SAME_MINUTE before the judged moment. */
static void resolve(judge *j, const char *name, ms_route_addrs *out,
                    bool *recent) {
  const char *cur = name;
  for (int hop = 0; hop < MAX_CNAME_HOPS; hop++) {
    const ms_dns_answer *cn = lookup(j, cur, MS_DNS_T_CNAME);
    if (!cn || !cn->n || has_string(&out->chain, cn->rd[0].target))
      break;
    strvec_push(&out->chain, cn->rd[0].target);
    cur = out->chain.items[out->chain.len - 1];
  }
  const ms_dns_answer *a4 = lookup(j, cur, MS_DNS_T_A);
  const ms_dns_answer *a6 = lookup(j, cur, MS_DNS_T_AAAA);
  add_addresses(out, a4, MS_DNS_T_A);
  add_addresses(out, a6, MS_DNS_T_AAAA);
  if (recent) {
    ms_ts since = j->at - MS_ROUTE_SAME_MINUTE;
    *recent = out->addresses.len && ((a4 && a4->n && a4->last_seen >= since) ||
                                     (a6 && a6->n && a6->last_seen >= since));
  }
}

/* ---- one domain ----------------------------------------------------------
 */

static ms_dns_result result_of(const ms_dns_answer *a) {
  if (!a)
    return MS_DNSR_UNSEEN;
  if (a->n)
    return MS_DNSR_ANSWERED;
  return a->rcode == MS_DNS_RCODE_NXDOMAIN ? MS_DNSR_NXDOMAIN : MS_DNSR_NODATA;
}

static void mx_hosts(judge *j, ms_route_domain *d, const ms_dns_answer *mx) {
  for (uint16_t i = 0; mx && i < mx->n; i++) {
    ms_route_mx *m = vec_push(&d->mx);
    m->preference = mx->rd[i].pref;
    m->host = xstrdup(mx->rd[i].target);
    if (!strcmp(m->host, ".")) {
      d->null_mx = mx->n == 1;
      continue;
    }
    resolve(j, m->host, &m->addrs, NULL);
    m->server = has_string(&m->addrs.addresses, j->s->server.ip);
    if (m->server && d->verdict != MS_ROUTE_MX) {
      d->verdict = MS_ROUTE_MX;
      d->preference = m->preference;
      d->mx_host = xstrdup(m->host);
    }
  }
}

/* Every listed MX host's addresses were seen (so "not among them" holds). */
static bool all_mx_resolved(const ms_route_domain *d) {
  for (size_t i = 0; i < d->mx.len; i++)
    if (strcmp(d->mx.items[i].host, ".") && !d->mx.items[i].addrs.seen)
      return false;
  return d->mx.len > 0;
}

static ms_route_verdict verdict_without_match(const ms_route_domain *d) {
  if (d->mx_result == MS_DNSR_ANSWERED)
    return d->null_mx || all_mx_resolved(d) ? MS_ROUTE_NOT_MX
                                            : MS_ROUTE_UNKNOWN;
  if (d->mx_result == MS_DNSR_NXDOMAIN || d->self.seen)
    return MS_ROUTE_NOT_MX;
  return MS_ROUTE_UNKNOWN;
}

static void judge_domain(judge *j, ms_route_domain *d) {
  const ms_dns_answer *mx = lookup(j, d->domain, MS_DNS_T_MX);
  d->mx_result = result_of(mx);
  mx_hosts(j, d, mx);
  resolve(j, d->domain, &d->self, NULL);
  if (d->verdict == MS_ROUTE_MX)
    return;
  if (d->mx_result != MS_DNSR_ANSWERED &&
      has_string(&d->self.addresses, j->s->server.ip))
    d->verdict = MS_ROUTE_IMPLICIT_MX;
  else
    d->verdict = verdict_without_match(d);
}

static bool domain_seen(const ms_route_domain *d) {
  return d->mx_result != MS_DNSR_UNSEEN || d->self.seen || d->self.chain.len;
}

/* ---- anomalies -----------------------------------------------------------
 */

/* Mail handed to a submission server is not an MX delivery. */
static bool is_submission(const ms_session *s) {
  return s->auth.result == MS_AUTH_SUCCESS || s->server.port == 587 ||
         s->server.port == 465;
}

static void mx_list_text(char *out, size_t n, const ms_route_domain *d) {
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < d->mx.len && o + 1 < n; i++)
    o += (size_t)snprintf(out + o, n - o, "%s%u %s", i ? ", " : "",
                          d->mx.items[i].preference, d->mx.items[i].host);
}

static void not_mx_anomaly(judge *j, const ms_route_domain *d) {
  char list[512];
  const char *ip = j->s->server.ip;
  if (d->null_mx)
    snprintf(list, sizeof list, "it has a null MX (accepts no mail)");
  else if (d->mx_result == MS_DNSR_ANSWERED) {
    char mx[480];
    mx_list_text(mx, sizeof mx, d);
    snprintf(list, sizeof list, "its MX: %s", mx);
  } else if (d->mx_result == MS_DNSR_NXDOMAIN)
    snprintf(list, sizeof list, "the domain does not exist");
  else
    snprintf(list, sizeof list, "no MX; not an address of the domain");
  ms_add_anomaly(j->s, "delivery_not_mx", j->s->ts, "%s: %s is not its MX (%s)",
                 d->domain, ip, list);
}

/* A more preferred MX whose addresses answered within the minute before
 * and none of which was tried (a SYN) in the window before the session. */
static void lower_preference(judge *j, const ms_route_domain *d) {
  ms_ts from = j->at - ms_dnscache_window(j->c);
  for (size_t i = 0; i < d->mx.len; i++) {
    const ms_route_mx *m = &d->mx.items[i];
    if (m->preference >= d->preference || !strcmp(m->host, "."))
      continue;
    ms_route_addrs tmp = {0};
    bool recent = false;
    resolve(j, m->host, &tmp, &recent);
    bool tried = false;
    for (size_t k = 0; k < tmp.addresses.len && !tried; k++)
      tried = ms_dnscache_attempted(j->c, tmp.addresses.items[k], from, j->at);
    strvec_free(&tmp.chain);
    strvec_free(&tmp.addresses);
    if (recent && !tried) {
      ms_add_anomaly(j->s, "mx_lower_preference", j->s->ts,
                     "%s: delivered to %s (preference %d) while %s "
                     "(preference %u) answered and was not tried",
                     d->domain, d->mx_host, d->preference, m->host,
                     m->preference);
      return;
    }
  }
}

static void domain_anomalies(judge *j, const ms_route_domain *d) {
  if (d->verdict == MS_ROUTE_NOT_MX && !j->r->submission)
    not_mx_anomaly(j, d);
  if (d->verdict == MS_ROUTE_MX)
    lower_preference(j, d);
}

/* ---- the client ----------------------------------------------------------
 */

/* "1.0.0.127.in-addr.arpa", or the ip6.arpa nibbles; false if no address. */
static bool reverse_name(const char *ip, char *out, size_t n) {
  uint8_t a[16];
  if (inet_pton(AF_INET, ip, a) == 1) {
    snprintf(out, n, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
    return true;
  }
  if (inet_pton(AF_INET6, ip, a) != 1 || n < 74)
    return false;
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (int i = 15; i >= 0; i--) {
    out[o++] = hex[a[i] & 15];
    out[o++] = '.';
    out[o++] = hex[a[i] >> 4];
    out[o++] = '.';
  }
  memcpy(out + o, "ip6.arpa", 9);
  return true;
}

static void helo_check(judge *j, const ms_session *s) {
  ms_route *r = j->r;
  if (!s->helo)
    return;
  char *helo = dns_name(s->helo, strlen(s->helo));
  if (!helo)
    return;
  if (helo[0] == '[') {
    r->helo = MS_HELO_LITERAL;
    free(helo);
    return;
  }
  if (r->ptr_result == MS_DNSR_ANSWERED)
    r->helo = has_string(&r->ptr, helo) ? MS_HELO_MATCH : MS_HELO_MISMATCH;
  else if (r->ptr_result != MS_DNSR_UNSEEN)
    r->helo = MS_HELO_NO_PTR;
  ms_route_addrs fwd = {0};
  resolve(j, helo, &fwd, NULL);
  if (fwd.seen)
    r->helo_forward = has_string(&fwd.addresses, s->client.ip);
  strvec_free(&fwd.chain);
  strvec_free(&fwd.addresses);
  if (r->helo == MS_HELO_MISMATCH)
    ms_add_anomaly(j->s, "helo_ptr_mismatch", s->ts, "HELO %s; PTR of %s: %s%s",
                   helo, s->client.ip, r->ptr.items[0],
                   r->ptr.len > 1 ? ", ..." : "");
  free(helo);
}

static void client(judge *j) {
  char rev[80];
  if (!reverse_name(j->s->client.ip, rev, sizeof rev))
    return;
  const ms_dns_answer *ptr = lookup(j, rev, MS_DNS_T_PTR);
  j->r->ptr_result = result_of(ptr);
  for (uint16_t i = 0; ptr && i < ptr->n; i++)
    if (!has_string(&j->r->ptr, ptr->rd[i].target))
      strvec_push(&j->r->ptr, ptr->rd[i].target);
  helo_check(j, j->s);
}

/* ---- the session ---------------------------------------------------------
 */

static void add_domain(ms_route *r, const char *addr) {
  char *d = recipient_domain(addr);
  if (!d)
    return;
  for (size_t i = 0; i < r->domains.len; i++)
    if (!strcmp(r->domains.items[i].domain, d)) {
      free(d);
      return;
    }
  if (r->domains.len >= MS_ROUTE_MAX_DOMAINS) {
    free(d);
    return;
  }
  vec_push(&r->domains)->domain = d;
}

static void collect_domains(ms_route *r, const ms_session *s) {
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    for (size_t k = 0; k < t->rcpt_to.len; k++)
      add_domain(r, t->rcpt_to.items[k]);
    for (size_t k = 0; k < t->rcpt_rejected.len; k++)
      add_domain(r, t->rcpt_rejected.items[k].addr);
  }
}

static ms_route_verdict session_verdict(const ms_route *r) {
  static const ms_route_verdict order[] = {MS_ROUTE_NOT_MX, MS_ROUTE_MX,
                                           MS_ROUTE_IMPLICIT_MX};
  for (int k = 0; k < 3; k++)
    for (size_t i = 0; i < r->domains.len; i++)
      if (r->domains.items[i].verdict == order[k])
        return order[k];
  return MS_ROUTE_UNKNOWN;
}

void ms_route_decide(const ms_dnscache *c, ms_session *s) {
  if (!c || s->proto != MS_PROTO_SMTP)
    return;
  ms_route *r = ms_route_new();
  judge j = {c, s, r, s->ts, false};
  collect_domains(r, s);
  bool seen = false;
  for (size_t i = 0; i < r->domains.len; i++) {
    judge_domain(&j, &r->domains.items[i]);
    seen = seen || domain_seen(&r->domains.items[i]);
  }
  j.at = s->end_ts;
  client(&j);
  if (!seen && r->ptr_result == MS_DNSR_UNSEEN) {
    ms_route_free(r);
    return;
  }
  r->verdict = session_verdict(r);
  r->submission = is_submission(s);
  s->route = r;
  j.at = s->ts;
  j.quiet = true;
  for (size_t i = 0; i < r->domains.len; i++)
    domain_anomalies(&j, &r->domains.items[i]);
}
