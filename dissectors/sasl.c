/* sasl.c - SASL exchanges for SMTP AUTH and POP3 AUTH (see sasl.h).
 *
 * Mechanisms decoded: PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER,
 * EXTERNAL, ANONYMOUS, and the user name of SCRAM-*; others (NTLM, GSSAPI,
 * ...) are recorded with their outcome only.  Secrets (passwords, tokens,
 * CRAM-MD5 digests) are "<redacted>" unless show_secrets.  Base64 that does
 * not decode, or decodes to a shape the mechanism does not allow, raises
 * an anomaly (docs/auth.md).
 */
#include "sasl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vec.h"

#define REDACTED "<redacted>"

typedef enum {
  M_PLAIN,
  M_LOGIN,
  M_CRAM_MD5,
  M_XOAUTH2,
  M_OAUTHBEARER,
  M_EXTERNAL,
  M_ANONYMOUS,
  M_SCRAM,
  M_OTHER
} mechanism;

struct sasl_exchange {
  ms_session *s;
  bool show_secrets;
  mechanism mech;
  int client_steps; /* client responses so far */
  char *last_challenge;
  bool cancelled;
};

/* ---- base64 ------------------------------------------------------------- */

static int b64_value(uint8_t c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

uint8_t *ms_base64_decode(const uint8_t *in, size_t n, size_t *out_len) {
  while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
    n--;
  uint8_t *out = xmalloc(n / 4 * 3 + 4);
  size_t o = 0, pad = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    if (in[i] == '=') {
      pad++;
      continue;
    }
    int v = b64_value(in[i]);
    if (v < 0 || pad) { /* bad character, or data after padding */
      free(out);
      *out_len = 0;
      return NULL;
    }
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  if (pad > 2 || bits >= 6 || (n - pad) % 4 == 1) {
    free(out);
    *out_len = 0;
    return NULL;
  }
  out[o] = '\0';
  *out_len = o;
  return out;
}

/* ---- helpers ------------------------------------------------------------ */

static mechanism mechanism_of(const char *m) {
  static const struct {
    const char *name;
    mechanism mech;
  } table[] = {{"PLAIN", M_PLAIN},         {"LOGIN", M_LOGIN},
               {"CRAM-MD5", M_CRAM_MD5},   {"XOAUTH2", M_XOAUTH2},
               {"OAUTHBEARER", M_OAUTHBEARER}, {"EXTERNAL", M_EXTERNAL},
               {"ANONYMOUS", M_ANONYMOUS}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (!strcasecmp(m, table[i].name))
      return table[i].mech;
  if (!strncasecmp(m, "SCRAM-", 6))
    return M_SCRAM;
  return M_OTHER;
}

static void set_field(char **field, const char *value) {
  free(*field);
  *field = value ? xstrdup(value) : NULL;
}

static void set_secret(sasl_exchange *x, const char *secret) {
  set_field(&x->s->auth.password, x->show_secrets ? secret : REDACTED);
}

/* Printable rendering of decoded bytes: NUL as \0, controls as \xHH. */
static char *printable(const uint8_t *p, size_t n) {
  char *out = xmalloc(n * 4 + 1), *o = out;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == 0) {
      *o++ = '\\';
      *o++ = '0';
    } else if (p[i] < 0x20 || p[i] == 0x7f) {
      o += sprintf(o, "\\x%02x", p[i]);
    } else {
      *o++ = (char)p[i];
    }
  }
  *o = '\0';
  return out;
}

static bool mostly_text(const uint8_t *p, size_t n) {
  size_t bad = 0;
  for (size_t i = 0; i < n; i++)
    if ((p[i] < 0x20 && p[i] != 0 && p[i] != 1) || p[i] == 0x7f)
      bad++;
  return bad == 0;
}

static void anomaly(sasl_exchange *x, const char *name, ms_ts ts,
                    const char *detail) {
  const char *mech = x->s->auth.mechanism ? x->s->auth.mechanism : "?";
  ms_add_anomaly(x->s, name, ts, "%s: %s", mech, detail);
}

/* Decode one base64 line; on failure raise sasl_bad_base64 and return
 * NULL.  "=" alone is the empty response. */
static uint8_t *decode(sasl_exchange *x, const uint8_t *b64, size_t n,
                       size_t *len, ms_ts ts) {
  if (n == 1 && b64[0] == '=') {
    *len = 0;
    return (uint8_t *)xstrdup("");
  }
  uint8_t *d = ms_base64_decode(b64, n, len);
  if (!d)
    anomaly(x, "sasl_bad_base64", ts, "response is not base64");
  return d;
}

/* ---- mechanisms --------------------------------------------------------- */

/* PLAIN: authzid NUL authcid NUL passwd */
static char *plain_response(sasl_exchange *x, const uint8_t *d, size_t n,
                            ms_ts ts) {
  const uint8_t *z1 = memchr(d, 0, n);
  const uint8_t *z2 = z1 ? memchr(z1 + 1, 0, n - (size_t)(z1 + 1 - d)) : NULL;
  if (!z1 || !z2 || memchr(z2 + 1, 0, n - (size_t)(z2 + 1 - d))) {
    anomaly(x, "sasl_malformed", ts, "PLAIN response is not authzid\\0user\\0password");
    return xstrdup("malformed PLAIN response");
  }
  char *authzid = wire_strdup(d, (size_t)(z1 - d));
  char *user = wire_strdup(z1 + 1, (size_t)(z2 - z1 - 1));
  char *pass = wire_strdup(z2 + 1, n - (size_t)(z2 + 1 - d));
  set_field(&x->s->auth.username, user);
  set_field(&x->s->auth.authzid, authzid[0] ? authzid : NULL);
  set_secret(x, pass);
  char *pa = printable((const uint8_t *)authzid, strlen(authzid));
  char *pu = printable((const uint8_t *)user, strlen(user));
  char *pp = x->show_secrets ? printable((const uint8_t *)pass, strlen(pass))
                             : xstrdup(REDACTED);
  char *note = xasprintf("%s\\0%s\\0%s", pa, pu, pp);
  free(pa);
  free(pu);
  free(pp);
  free(authzid);
  free(user);
  free(pass);
  return note;
}

/* XOAUTH2: "user=" U ^A "auth=Bearer " T ^A ^A */
static char *xoauth2_response(sasl_exchange *x, const uint8_t *d, size_t n,
                              ms_ts ts) {
  char *text = wire_strdup(d, n);
  char *user = NULL, *token = NULL;
  for (char *f = text, *next; f && *f; f = next) {
    next = strchr(f, '\x01');
    if (next)
      *next++ = '\0';
    if (!strncmp(f, "user=", 5))
      user = f + 5;
    else if (!strncasecmp(f, "auth=", 5))
      token = f + 5;
  }
  char *note;
  if (!user || !token) {
    anomaly(x, "sasl_malformed", ts, "XOAUTH2 response without user= and auth=");
    note = xstrdup("malformed XOAUTH2 response");
  } else {
    set_field(&x->s->auth.username, user);
    set_secret(x, token);
    note = xasprintf("user=%s auth=%s", user,
                     x->show_secrets ? token : REDACTED);
  }
  free(text);
  return note;
}

/* OAUTHBEARER: gs2 header "n,a=user," then ^A key=value ^A ... ^A^A */
static char *oauthbearer_response(sasl_exchange *x, const uint8_t *d, size_t n,
                                  ms_ts ts) {
  char *text = wire_strdup(d, n);
  char *note;
  char *a = strstr(text, "a=");
  if (strncmp(text, "n,", 2) && strncmp(text, "y,", 2) &&
      strncmp(text, "p=", 2)) {
    anomaly(x, "sasl_malformed", ts, "OAUTHBEARER response without gs2 header");
    note = xstrdup("malformed OAUTHBEARER response");
  } else {
    if (a) {
      size_t ul = strcspn(a + 2, ",\x01");
      char *user = xstrndup(a + 2, ul);
      set_field(&x->s->auth.username, user);
      free(user);
    }
    set_secret(x, text);
    note = xasprintf("user=%s auth=Bearer %s",
                     x->s->auth.username ? x->s->auth.username : "?",
                     x->show_secrets ? "(token)" : REDACTED);
  }
  free(text);
  return note;
}

/* CRAM-MD5: "user hexdigest" */
static char *cram_response(sasl_exchange *x, const uint8_t *d, size_t n,
                           ms_ts ts) {
  const uint8_t *sp = d + n;
  for (size_t i = n; i > 0; i--)
    if (d[i - 1] == ' ') {
      sp = d + i - 1;
      break;
    }
  if (sp == d + n) {
    anomaly(x, "sasl_malformed", ts, "CRAM-MD5 response is not 'user digest'");
    return xstrdup("malformed CRAM-MD5 response");
  }
  char *user = wire_strdup(d, (size_t)(sp - d));
  char *digest = wire_strdup(sp + 1, n - (size_t)(sp + 1 - d));
  set_field(&x->s->auth.username, user);
  set_secret(x, digest);
  char *note = xasprintf("%s %s", user, x->show_secrets ? digest : REDACTED);
  free(user);
  free(digest);
  return note;
}

/* SCRAM client-first: "n,,n=user,r=nonce" */
static char *scram_response(sasl_exchange *x, const uint8_t *d, size_t n) {
  char *text = wire_strdup(d, n);
  if (x->client_steps == 1) {
    char *u = strstr(text, "n=");
    if (u && (u == text || u[-1] == ',')) {
      size_t ul = strcspn(u + 2, ",");
      char *user = xstrndup(u + 2, ul);
      set_field(&x->s->auth.username, user);
      free(user);
    }
    char *note = printable(d, n);
    free(text);
    return note;
  }
  free(text);
  return xstrdup(x->show_secrets ? "(proof)" : REDACTED);
}

/* One client response (decoded), by mechanism and step. */
static char *client_response(sasl_exchange *x, const uint8_t *d, size_t n,
                             bool *secret, ms_ts ts) {
  *secret = false;
  switch (x->mech) {
  case M_PLAIN:
    *secret = true;
    return plain_response(x, d, n, ts);
  case M_LOGIN: {
    /* The prompt says which; without prompts, first user then password. */
    bool password = x->last_challenge
                        ? strcasestr(x->last_challenge, "pass") != NULL
                        : x->client_steps >= 2;
    if (!x->last_challenge && x->client_steps == 1)
      password = false;
    if (password) {
      char *pw = wire_strdup(d, n);
      set_secret(x, pw);
      free(pw);
      *secret = true;
      return x->show_secrets ? printable(d, n) : xstrdup(REDACTED);
    }
    char *user = wire_strdup(d, n);
    set_field(&x->s->auth.username, user);
    free(user);
    return printable(d, n);
  }
  case M_CRAM_MD5:
    *secret = true;
    return cram_response(x, d, n, ts);
  case M_XOAUTH2:
    *secret = true;
    return xoauth2_response(x, d, n, ts);
  case M_OAUTHBEARER:
    *secret = true;
    return oauthbearer_response(x, d, n, ts);
  case M_EXTERNAL: {
    char *id = wire_strdup(d, n);
    set_field(&x->s->auth.authzid, id[0] ? id : NULL);
    free(id);
    return printable(d, n);
  }
  case M_ANONYMOUS: {
    char *trace = wire_strdup(d, n);
    set_field(&x->s->auth.username, trace);
    free(trace);
    return printable(d, n);
  }
  case M_SCRAM:
    *secret = x->client_steps > 1;
    return scram_response(x, d, n);
  default:
    return NULL; /* NTLM, GSSAPI, ...: binary tokens, not shown */
  }
}

static void respond(sasl_exchange *x, const uint8_t *line, size_t n, ms_ts ts,
                    sasl_view *view) {
  x->client_steps++;
  size_t len;
  uint8_t *d = decode(x, line, n, &len, ts);
  if (!d)
    return;
  if (x->mech != M_OTHER && x->mech != M_SCRAM && !mostly_text(d, len))
    anomaly(x, "sasl_malformed", ts, "decoded response is not text");
  bool secret;
  view->note = client_response(x, d, len, &secret, ts);
  if (secret && !x->show_secrets)
    view->redacted = xstrdup("<redacted base64>");
  free(d);
}

/* ---- interface ---------------------------------------------------------- */

sasl_exchange *sasl_begin(ms_session *s, bool show_secrets, const char *mech,
                          const uint8_t *initial, size_t initial_len, ms_ts ts,
                          sasl_view *view) {
  memset(view, 0, sizeof *view);
  sasl_exchange *x = xcalloc(1, sizeof *x);
  x->s = s;
  x->show_secrets = show_secrets;
  x->mech = mechanism_of(mech);
  ms_auth *a = &s->auth;
  bool had_success = a->present && a->result == MS_AUTH_SUCCESS;
  if (!had_success) {
    ms_auth_clear(a);
  }
  a->present = true;
  a->attempts++;
  set_field(&a->mechanism, mech[0] ? mech : "(none)");
  if (!mech[0])
    ms_add_anomaly(s, "sasl_malformed", ts, "AUTH without a mechanism");
  if (initial && initial_len)
    respond(x, initial, initial_len, ts, view);
  return x;
}

void sasl_server(sasl_exchange *x, const uint8_t *b64, size_t n, ms_ts ts,
                 sasl_view *view) {
  memset(view, 0, sizeof *view);
  free(x->last_challenge);
  x->last_challenge = NULL;
  if (n == 0)
    return; /* an empty challenge: "send your initial response" */
  size_t len;
  uint8_t *d = ms_base64_decode(b64, n, &len);
  if (!d) {
    if (x->mech != M_OTHER)
      anomaly(x, "sasl_bad_base64", ts, "server challenge is not base64");
    return;
  }
  x->last_challenge = wire_strdup(d, len);
  if (x->mech == M_CRAM_MD5)
    set_field(&x->s->auth.challenge, x->last_challenge);
  if (x->mech != M_OTHER)
    view->note = printable(d, len);
  free(d);
}

bool sasl_client(sasl_exchange *x, const uint8_t *line, size_t n, ms_ts ts,
                 sasl_view *view) {
  memset(view, 0, sizeof *view);
  if (n == 1 && line[0] == '*') {
    x->cancelled = true;
    view->note = xstrdup("cancelled");
    return false;
  }
  respond(x, line, n, ts, view);
  return true;
}

void sasl_end(sasl_exchange *x, ms_auth_result result, ms_ts ts) {
  ms_auth *a = &x->s->auth;
  if (x->cancelled && result == MS_AUTH_UNKNOWN)
    result = MS_AUTH_FAILURE;
  a->result = result;
  if (result == MS_AUTH_FAILURE) {
    a->failures++;
    ms_add_anomaly(x->s, "auth_failed", ts, "%s login%s%s failed%s",
                   a->mechanism ? a->mechanism : "?",
                   a->username ? " of " : "", a->username ? a->username : "",
                   x->cancelled ? " (cancelled by the client)" : "");
  }
  free(x->last_challenge);
  free(x);
}
