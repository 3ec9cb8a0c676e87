/* starttls.c - STARTTLS/STLS facts and in-session checks (starttls.h). */
#include "starttls.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The capability word: "STARTTLS" (SMTP) or "STLS" (POP3). */
static const char *keyword(const ms_session *rec) {
  return rec->proto == MS_PROTO_POP3 ? "STLS" : "STARTTLS";
}

static bool lists(const ms_session *rec, const char *word) {
  for (size_t i = 0; i < rec->capabilities.len; i++) {
    const char *c = rec->capabilities.items[i];
    size_t n = strlen(word);
    if (!strncasecmp(c, word, n) && (c[n] == '\0' || c[n] == ' '))
      return true;
  }
  return false;
}

/* "XXXXXXXA", "XXXXXXXX": eight characters of X's (an 'A' may end them),
 * what Cisco's ESMTP inspection writes over STARTTLS. */
static const char *overwritten(const ms_session *rec) {
  for (size_t i = 0; i < rec->capabilities.len; i++) {
    const char *c = rec->capabilities.items[i];
    size_t x = strspn(c, "Xx");
    if (strlen(c) == 8 && (x == 8 || (x == 7 && (c[7] == 'A' || c[7] == 'a'))))
      return c;
  }
  return NULL;
}

static bool positive(const ms_reply *r, ms_proto proto) {
  if (proto == MS_PROTO_POP3)
    return r->pop3_status && !strcmp(r->pop3_status, "+OK");
  return r->code >= 200 && r->code < 300;
}

/* The command that lists capabilities was answered positively. */
static bool capabilities_read(const ms_session *rec) {
  const char *verb = rec->proto == MS_PROTO_POP3 ? "CAPA" : "EHLO";
  for (size_t i = 0; i < rec->commands.len; i++) {
    const ms_command *c = &rec->commands.items[i];
    if (!strcmp(c->verb, verb) && c->reply.present &&
        positive(&c->reply, rec->proto))
      return true;
  }
  return false;
}

static const ms_command *tls_command(const ms_session *rec) {
  for (size_t i = 0; i < rec->commands.len; i++)
    if (!strcmp(rec->commands.items[i].verb, keyword(rec)))
      return &rec->commands.items[i];
  return NULL;
}

static bool plaintext_use(const ms_session *rec) {
  if (rec->tls != MS_TLS_NONE)
    return false;
  return rec->transactions.len || rec->auth.present || rec->messages.len;
}

void starttls_session_checks(ms_session *rec, starttls_facts *f) {
  memset(f, 0, sizeof *f);
  if (rec->proto != MS_PROTO_SMTP && rec->proto != MS_PROTO_POP3)
    return;
  f->capabilities_seen = capabilities_read(rec);
  f->advertised = f->capabilities_seen && lists(rec, keyword(rec));
  f->used = rec->tls == MS_TLS_STARTTLS;
  f->advertised |= f->used;
  f->plaintext_use = plaintext_use(rec);
  const ms_command *c = tls_command(rec);
  if (c && c->reply.present && !positive(&c->reply, rec->proto) &&
      f->advertised) {
    char code[16];
    snprintf(code, sizeof code, "%d", c->reply.code);
    ms_add_anomaly(rec, "starttls_refused", c->reply.ts,
                   "%s was advertised, then answered %s", keyword(rec),
                   rec->proto == MS_PROTO_POP3
                       ? (c->reply.pop3_status ? c->reply.pop3_status : "?")
                       : code);
  }
  const char *x = rec->proto == MS_PROTO_SMTP ? overwritten(rec) : NULL;
  f->overwritten = x != NULL;
  if (x)
    ms_add_anomaly(rec, "starttls_stripped", rec->ts,
                   "the EHLO reply lists %s where STARTTLS belongs: a "
                   "middlebox overwrote it",
                   x);
}
