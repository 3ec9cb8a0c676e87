/* starttls_memory.c - the capture's memory of servers' STARTTLS
 * (starttls_memory.h).  Two direct-mapped tables, keyed by a hash of the
 * server (address, port, protocol) and of the client-server pair; a slot
 * whose key differs is taken over by the newcomer. */
#include "starttls_memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  char ip[48];
  uint16_t port;
  uint8_t proto;
  bool used; /* the slot holds a server */
} server_key;

typedef struct {
  server_key key;
  bool advertised; /* a session of this server listed STARTTLS/STLS */
  char advertised_uid[24];
  ms_ts advertised_ts;
  uint32_t stripped; /* sessions without it, not yet reported */
  char stripped_uid[24];
  ms_ts stripped_ts;
} server_entry;

typedef struct {
  server_key key;
  char client[48];
  char uid[24]; /* the session in which this client used STARTTLS */
  ms_ts ts;
} pair_entry;

struct ms_starttls_memory {
  server_entry servers[MS_STARTTLS_SERVERS];
  pair_entry pairs[MS_STARTTLS_SERVERS];
};

ms_starttls_memory *ms_starttls_memory_new(void) {
  return xcalloc(1, sizeof(ms_starttls_memory));
}

void ms_starttls_memory_free(ms_starttls_memory *m) { free(m); }

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ULL;
  return h;
}

static server_key key_of(const ms_session *rec) {
  server_key k;
  memset(&k, 0, sizeof k);
  snprintf(k.ip, sizeof k.ip, "%s", rec->server.ip);
  k.port = rec->server.port;
  k.proto = (uint8_t)rec->proto;
  k.used = true;
  return k;
}

static uint64_t key_hash(const server_key *k, const char *client) {
  uint64_t h = fnv(0xcbf29ce484222325ULL, k->ip, strlen(k->ip));
  h = fnv(h, &k->port, sizeof k->port);
  h = fnv(h, &k->proto, sizeof k->proto);
  return client ? fnv(h ^ 0xff, client, strlen(client)) : h;
}

static bool same_key(const server_key *a, const server_key *b) {
  return a->used && a->port == b->port && a->proto == b->proto &&
         !strcmp(a->ip, b->ip);
}

static server_entry *server_slot(ms_starttls_memory *m, const server_key *k) {
  server_entry *e = &m->servers[key_hash(k, NULL) % MS_STARTTLS_SERVERS];
  if (!same_key(&e->key, k)) {
    memset(e, 0, sizeof *e);
    e->key = *k;
  }
  return e;
}

static pair_entry *pair_slot(ms_starttls_memory *m, const server_key *k,
                             const char *client, bool create) {
  pair_entry *e = &m->pairs[key_hash(k, client) % MS_STARTTLS_SERVERS];
  if (same_key(&e->key, k) && !strcmp(e->client, client))
    return e;
  if (!create)
    return NULL;
  memset(e, 0, sizeof *e);
  e->key = *k;
  snprintf(e->client, sizeof e->client, "%s", client);
  return e;
}

static void iso(char *out, size_t n, ms_ts us) {
  time_t sec = (time_t)(us / 1000000);
  struct tm tm;
  if (gmtime_r(&sec, &tm))
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
  else
    snprintf(out, n, "?");
}

static const char *word(const ms_session *rec) {
  return rec->proto == MS_PROTO_POP3 ? "STLS" : "STARTTLS";
}

/* The server answered this session without STARTTLS. */
static void without(server_entry *e, ms_session *rec) {
  if (e->advertised) {
    char when[32];
    iso(when, sizeof when, e->advertised_ts);
    ms_add_anomaly(rec, "starttls_stripped", rec->ts,
                   "the server's %s reply lacks %s, which it advertised in "
                   "session %s at %s",
                   rec->proto == MS_PROTO_POP3 ? "CAPA" : "EHLO", word(rec),
                   e->advertised_uid, when);
    return;
  }
  if (!e->stripped++) {
    snprintf(e->stripped_uid, sizeof e->stripped_uid, "%s", rec->uid);
    e->stripped_ts = rec->ts;
  }
}

/* The server advertised it in this session. */
static void with(server_entry *e, ms_session *rec) {
  if (e->stripped) {
    char when[32];
    iso(when, sizeof when, e->stripped_ts);
    ms_add_anomaly(rec, "starttls_stripped", rec->ts,
                   "this server advertises %s here, but %u earlier "
                   "session(s), the first %s at %s, got a %s reply without "
                   "it",
                   word(rec), e->stripped, e->stripped_uid, when,
                   rec->proto == MS_PROTO_POP3 ? "CAPA" : "EHLO");
    e->stripped = 0;
  }
  if (!e->advertised) {
    e->advertised = true;
    snprintf(e->advertised_uid, sizeof e->advertised_uid, "%s", rec->uid);
    e->advertised_ts = rec->ts;
  }
}

static void client_memory(ms_starttls_memory *m, const server_key *k,
                          ms_session *rec, const starttls_facts *f) {
  if (f->used) {
    pair_entry *p = pair_slot(m, k, rec->client.ip, true);
    if (!p->uid[0]) {
      snprintf(p->uid, sizeof p->uid, "%s", rec->uid);
      p->ts = rec->ts;
    }
    return;
  }
  pair_entry *p =
      f->plaintext_use ? pair_slot(m, k, rec->client.ip, false) : NULL;
  if (!p)
    return;
  char when[32];
  iso(when, sizeof when, p->ts);
  ms_add_anomaly(rec, "starttls_downgrade", rec->ts,
                 "this client used %s with the server in session %s at %s, "
                 "and now sends mail or credentials in clear",
                 word(rec), p->uid, when);
}

void ms_starttls_memory_session(ms_starttls_memory *m, ms_session *rec) {
  starttls_facts f;
  starttls_session_checks(rec, &f);
  if (rec->proto != MS_PROTO_SMTP && rec->proto != MS_PROTO_POP3)
    return;
  server_key k = key_of(rec);
  if (f.advertised)
    with(server_slot(m, &k), rec);
  else if (f.capabilities_seen && rec->tls == MS_TLS_NONE && !f.overwritten)
    without(server_slot(m, &k), rec);
  client_memory(m, &k, rec, &f);
}
