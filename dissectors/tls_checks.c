/* tls_checks.c - anomalies from a decoded TLS handshake (tls_checks.h). */
#include "tls_checks.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tls_cert.h"

static void iso_time(char *out, size_t n, ms_tls_ts us) {
  time_t sec = (time_t)(us / 1000000);
  struct tm tm;
  if (!gmtime_r(&sec, &tm))
    snprintf(out, n, "?");
  else
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void version_check(ms_session *rec, const ms_tls_server_hello *s) {
  uint16_t v = s->version;
  if (!s->present || v < 0x0002 || v > 0x0302)
    return;
  const char *name = ms_tls_version_name(v);
  ms_add_anomaly(rec, "tls_obsolete_version", s->ts,
                 "the server chose %s (0x%04x)", name ? name : "SSL", v);
}

static void cipher_check(ms_session *rec, const ms_tls_server_hello *s) {
  const char *n = s->cipher_name;
  if (!s->present || !n)
    return;
  const char *why = strstr(n, "EXPORT")  ? "export-grade"
                    : strstr(n, "_RC4_") ? "RC4"
                    : strstr(n, "NULL")  ? "NULL (no encryption)"
                                         : NULL;
  if (why)
    ms_add_anomaly(rec, "tls_weak_cipher", s->ts,
                   "the server chose %s (0x%04x): %s", n, s->cipher_suite, why);
}

static void validity_check(ms_session *rec, const ms_tls_cert *leaf,
                           ms_ts when) {
  if (!leaf->has_validity)
    return;
  char a[32], b[32];
  iso_time(b, sizeof b, when);
  if (when > leaf->not_after) {
    iso_time(a, sizeof a, leaf->not_after);
    ms_add_anomaly(rec, "tls_certificate_expired", when,
                   "the server's certificate expired %s, the handshake was "
                   "at %s",
                   a, b);
  } else if (when < leaf->not_before) {
    iso_time(a, sizeof a, leaf->not_before);
    ms_add_anomaly(rec, "tls_certificate_not_yet_valid", when,
                   "the server's certificate is valid from %s, the "
                   "handshake was at %s",
                   a, b);
  }
}

/* ---- the names the server gave ------------------------------------------- */

/* A DNS name: letters, digits, '-' and '.', with a dot inside and a
 * letter somewhere (so "ready." or "1.2" are not). */
static bool host_like(const char *w, size_t n) {
  bool dot = false, letter = false;
  if (n < 3 || w[0] == '.' || w[n - 1] == '.')
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)w[i];
    if (ch == '.')
      dot = true;
    else if (isalpha(ch))
      letter = true;
    else if (!isdigit(ch) && ch != '-')
      return false;
  }
  return dot && letter;
}

/* The first word of text (up to `first_only` words tried). */
static char *host_word(const char *text, bool first_only) {
  const char *p = text;
  while (p && *p) {
    while (*p == ' ' || *p == '\t')
      p++;
    size_t n = strcspn(p, " \t\n");
    if (host_like(p, n))
      return xstrndup(p, n);
    if (first_only || p[n] == '\n' || !p[n])
      return NULL;
    p += n;
  }
  return NULL;
}

static bool seen(char **names, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (!strcasecmp(names[i], s))
      return true;
  return false;
}

static void add_name(char **out, size_t *n, size_t max, char *s) {
  if (s && *n < max && !seen(out, *n, s))
    out[(*n)++] = s;
  else
    free(s);
}

size_t tls_server_names(const ms_session *rec, char **out, size_t max) {
  size_t n = 0;
  bool smtp = rec->proto == MS_PROTO_SMTP;
  if (rec->banner)
    add_name(out, &n, max, host_word(rec->banner, smtp));
  for (size_t i = 0; smtp && i < rec->commands.len; i++) {
    const ms_command *c = &rec->commands.items[i];
    if (!strcmp(c->verb, "EHLO") && c->reply.present && c->reply.code == 250 &&
        c->reply.text)
      add_name(out, &n, max, host_word(c->reply.text, true));
  }
  return n;
}

/* ---- names against the certificate -------------------------------------- */

static void name_check(ms_session *rec, const ms_tls_info *t,
                       const ms_tls_cert *leaf) {
  char *names[8];
  size_t n = tls_server_names(rec, names, 7);
  if (t->client.server_name && *t->client.server_name)
    add_name(names, &n, 8, xstrdup(t->client.server_name));
  bool match = n == 0;
  for (size_t i = 0; i < n && !match; i++)
    match = tls_cert_matches(leaf, names[i]);
  if (!match) {
    char list[512] = "";
    for (size_t i = 0; i < n; i++)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
               i ? ", " : "", names[i]);
    const char *cert_name = leaf->san_dns.len  ? leaf->san_dns.items[0]
                            : leaf->subject_cn ? leaf->subject_cn
                                               : "(none)";
    ms_add_anomaly(rec, "tls_certificate_name_mismatch", t->server.ts,
                   "the server's certificate (%s%s) names none of: %s",
                   cert_name, leaf->san_dns.len > 1 ? ", ..." : "", list);
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
}

void tls_checks(ms_session *rec, ms_ts now) {
  ms_tls_info *t = rec->tls_info;
  (void)now;
  if (!t)
    return;
  version_check(rec, &t->server);
  cipher_check(rec, &t->server);
  if (!t->server_certs.len || !t->server_certs.items[0].parsed)
    return;
  const ms_tls_cert *leaf = &t->server_certs.items[0];
  ms_ts when = t->server.present ? t->server.ts : t->ts;
  validity_check(rec, leaf, when);
  if (leaf->self_signed)
    ms_add_anomaly(rec, "tls_certificate_self_signed", when,
                   "the server's certificate (%s) is signed by its own key",
                   leaf->subject ? leaf->subject : "");
  name_check(rec, t, leaf);
}
