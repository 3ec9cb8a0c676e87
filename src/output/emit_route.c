/* emit_route.c - the route of an SMTP session (route.h) in every format:
 * the "route" object of NDJSON (also under mailscope.route in ECS), the
 * ECS host fields, and the "# route" lines of a transcript header.
 * docs/json.md "route" describes the fields. */
#include <string.h>

#include "emit.h"
#include "escape.h"

static void strings(jsonw *w, const char *key, const strvec *v) {
  jw_key(w, key);
  jw_arr_begin(w);
  for (size_t i = 0; i < v->len; i++)
    jw_str(w, v->items[i]);
  jw_arr_end(w);
}

static void addrs_json(jsonw *w, const ms_route_addrs *a) {
  if (a->chain.len)
    strings(w, "cname", &a->chain);
  if (a->seen)
    strings(w, "addresses", &a->addresses);
}

static void domain_json(jsonw *w, const ms_route_domain *d) {
  jw_obj_begin(w);
  jw_kstr(w, "domain", d->domain);
  jw_kstr(w, "verdict", ms_route_verdict_name(d->verdict));
  if (d->verdict == MS_ROUTE_MX) {
    jw_kint(w, "preference", d->preference);
    jw_kstr(w, "mx_host", d->mx_host);
  }
  jw_kstr(w, "mx_lookup", ms_dns_result_name(d->mx_result));
  if (d->null_mx)
    jw_kbool(w, "null_mx", true);
  jw_key(w, "mx");
  jw_arr_begin(w);
  for (size_t i = 0; i < d->mx.len; i++) {
    const ms_route_mx *m = &d->mx.items[i];
    jw_obj_begin(w);
    jw_kuint(w, "preference", m->preference);
    jw_kstr(w, "host", m->host);
    addrs_json(w, &m->addrs);
    jw_kbool(w, "server", m->server);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  if (d->self.seen || d->self.chain.len) {
    jw_key(w, "domain_addresses");
    jw_obj_begin(w);
    addrs_json(w, &d->self);
    jw_obj_end(w);
  }
  jw_obj_end(w);
}

void emit_route_json(const ms_route *r, jsonw *w) {
  if (!r)
    return;
  jw_key(w, "route");
  jw_obj_begin(w);
  jw_kstr(w, "verdict", ms_route_verdict_name(r->verdict));
  jw_kbool(w, "submission", r->submission);
  jw_key(w, "domains");
  jw_arr_begin(w);
  for (size_t i = 0; i < r->domains.len; i++)
    domain_json(w, &r->domains.items[i]);
  jw_arr_end(w);
  jw_key(w, "client");
  jw_obj_begin(w);
  jw_kstr(w, "ptr_lookup", ms_dns_result_name(r->ptr_result));
  strings(w, "ptr", &r->ptr);
  jw_kstr(w, "helo", ms_helo_check_name(r->helo));
  if (r->helo_forward >= 0)
    jw_kbool(w, "helo_forward_confirmed", r->helo_forward == 1);
  jw_obj_end(w);
  jw_obj_end(w);
}

/* ---- ECS ----------------------------------------------------------------
 */

const char *emit_route_server_domain(const ms_route *r) {
  if (!r)
    return NULL;
  for (size_t i = 0; i < r->domains.len; i++) {
    const ms_route_domain *d = &r->domains.items[i];
    if (d->verdict == MS_ROUTE_MX)
      return d->mx_host;
    if (d->verdict == MS_ROUTE_IMPLICIT_MX)
      return d->domain;
  }
  return NULL;
}

const char *emit_route_client_domain(const ms_route *r) {
  return r && r->ptr.len ? r->ptr.items[0] : NULL;
}

#define MAX_HOSTS 64

static void add_host(const char **hosts, size_t *n, const char *h) {
  if (!h || !*h || h[0] == '[' || !strcmp(h, ".") || *n == MAX_HOSTS)
    return;
  for (size_t i = 0; i < *n; i++)
    if (!strcmp(hosts[i], h))
      return;
  hosts[(*n)++] = h;
}

/* related.hosts: the HELO name, the client's PTR names, the MX hosts and
 * the names their CNAMEs led to. */
void emit_route_related_hosts(const ms_session *s, jsonw *w) {
  const ms_route *r = s->route;
  if (!r)
    return;
  const char *hosts[MAX_HOSTS];
  size_t n = 0;
  add_host(hosts, &n, s->helo);
  for (size_t i = 0; i < r->ptr.len; i++)
    add_host(hosts, &n, r->ptr.items[i]);
  for (size_t i = 0; i < r->domains.len; i++) {
    const ms_route_domain *d = &r->domains.items[i];
    for (size_t k = 0; k < d->mx.len; k++) {
      add_host(hosts, &n, d->mx.items[k].host);
      for (size_t c = 0; c < d->mx.items[k].addrs.chain.len; c++)
        add_host(hosts, &n, d->mx.items[k].addrs.chain.items[c]);
    }
  }
  if (!n)
    return;
  jw_key(w, "hosts");
  jw_arr_begin(w);
  for (size_t i = 0; i < n; i++)
    jw_str(w, hosts[i]);
  jw_arr_end(w);
}

/* ---- transcript ----------------------------------------------------------
 */

static void addrs_text(FILE *f, const ms_route_addrs *a) {
  for (size_t i = 0; i < a->chain.len; i++) {
    fputs(" -> ", f);
    esc_puts(f, a->chain.items[i]);
  }
  if (!a->seen) {
    fputs(" (addresses not seen)", f);
    return;
  }
  fputs(" =", f);
  if (!a->addresses.len)
    fputs(" (none)", f);
  for (size_t i = 0; i < a->addresses.len; i++)
    fprintf(f, "%s%s", i ? ", " : " ", a->addresses.items[i]);
}

static void domain_text(FILE *f, const ms_route_domain *d) {
  fputs("# route ", f);
  esc_puts(f, d->domain);
  fprintf(f, ": %s", ms_route_verdict_name(d->verdict));
  if (d->verdict == MS_ROUTE_MX) {
    fprintf(f, " (preference %d, ", d->preference);
    esc_puts(f, d->mx_host);
    fputc(')', f);
  }
  fprintf(f, "; MX lookup %s%s\n", ms_dns_result_name(d->mx_result),
          d->null_mx ? " (null MX)" : "");
  for (size_t i = 0; i < d->mx.len; i++) {
    const ms_route_mx *m = &d->mx.items[i];
    fprintf(f, "#   mx %u ", m->preference);
    esc_puts(f, m->host);
    if (strcmp(m->host, "."))
      addrs_text(f, &m->addrs);
    fputs(m->server ? "  <- server\n" : "\n", f);
  }
  if (d->self.seen || d->self.chain.len) {
    fputs("#   domain", f);
    addrs_text(f, &d->self);
    fputc('\n', f);
  }
}

void emit_route_text(const ms_route *r, FILE *f) {
  if (!r)
    return;
  for (size_t i = 0; i < r->domains.len; i++)
    domain_text(f, &r->domains.items[i]);
  if (r->submission)
    fputs("# route: a submission (port 587/465 or AUTH), not an MX delivery\n",
          f);
  fprintf(f, "# route client: PTR %s", ms_dns_result_name(r->ptr_result));
  for (size_t i = 0; i < r->ptr.len; i++) {
    fputs(i ? ", " : " ", f);
    esc_puts(f, r->ptr.items[i]);
  }
  fprintf(f, "; HELO %s", ms_helo_check_name(r->helo));
  if (r->helo_forward >= 0)
    fputs(r->helo_forward ? ", forward-confirmed" : ", not forward-confirmed",
          f);
  fputc('\n', f);
}
