/* sasl.c - SASL exchanges for SMTP AUTH and POP3 AUTH (see sasl.h).
 *
 * Mechanisms decoded: PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER,
 * EXTERNAL, ANONYMOUS, DIGEST-MD5, NTLM (the domain, user and workstation
 * of its AUTHENTICATE message), and the user name of SCRAM-*; others
 * (GSSAPI, X-GOOGLE-TOKEN, ...) are recorded with their outcome only, and
 * every response of theirs is hidden.  Secrets (passwords, tokens,
 * CRAM-MD5 and DIGEST-MD5 digests, SCRAM proofs, NTLM responses, whatever
 * an unknown mechanism sends) are "<redacted>" unless show_secrets.
 * Base64 that does not decode, or decodes to a shape the mechanism does not
 * allow, raises an anomaly (docs/auth.md); nothing here trusts the wire.
 *
 * An exchange collects its fields privately and writes them to the
 * session's ms_auth only when it ends (sasl_end): the auth object then
 * describes the successful login if there was one, else the last attempt;
 * attempts and failures count every exchange.
 */
#include "sasl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ntlm.h"
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
  M_DIGEST_MD5,
  M_NTLM,
  M_OTHER
} mechanism;

struct sasl_exchange {
  ms_session *s;
  bool show_secrets;
  mechanism mech;
  int client_steps; /* client responses so far */
  char *last_challenge;
  bool cancelled;
  bool hid;      /* the response being decoded had a secret hidden */
  ms_auth found; /* this exchange's fields, committed by sasl_end */
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
  } table[] = {{"PLAIN", M_PLAIN},
               {"LOGIN", M_LOGIN},
               {"CRAM-MD5", M_CRAM_MD5},
               {"XOAUTH2", M_XOAUTH2},
               {"OAUTHBEARER", M_OAUTHBEARER},
               {"EXTERNAL", M_EXTERNAL},
               {"ANONYMOUS", M_ANONYMOUS},
               {"DIGEST-MD5", M_DIGEST_MD5},
               {"NTLM", M_NTLM}};
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

static void set_field_bytes(char **field, const uint8_t *p, size_t n) {
  free(*field);
  *field = wire_strdup(p, n);
}

static void set_secret(sasl_exchange *x, const uint8_t *p, size_t n) {
  if (x->show_secrets)
    set_field_bytes(&x->found.password, p, n);
  else
    set_field(&x->found.password, REDACTED);
}

/* Printable rendering of decoded bytes: NUL as \0, controls as \xHH. */
static void printable_into(char *o, const uint8_t *p, size_t n, char **end) {
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
  *end = o;
}

static char *printable(const uint8_t *p, size_t n) {
  char *out = xmalloc(n * 4 + 1), *end;
  printable_into(out, p, n, &end);
  return out;
}

/* The decoded text for the transcript with the secret at [off, off+len)
 * replaced by <redacted> unless secrets are shown. */
static char *note_hiding(sasl_exchange *x, const uint8_t *d, size_t n,
                         size_t off, size_t len) {
  if (x->show_secrets || off > n || len > n - off)
    return printable(d, n);
  x->hid = true;
  char *out = xmalloc((n - len) * 4 + sizeof REDACTED), *o;
  printable_into(out, d, off, &o);
  memcpy(o, REDACTED, sizeof REDACTED);
  o += sizeof REDACTED - 1;
  printable_into(o, d + off + len, n - off - len, &o);
  return out;
}

/* Text a mechanism allows: no control bytes but NUL (PLAIN's separator)
 * and ^A (the OAuth separators). */
static bool is_text(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((p[i] < 0x20 && p[i] != 0 && p[i] != 1) || p[i] == 0x7f)
      return false;
  return true;
}

static void anomaly(sasl_exchange *x, const char *name, ms_ts ts,
                    const char *detail) {
  ms_add_anomaly(x->s, name, ts, "%s: %s",
                 x->found.mechanism ? x->found.mechanism : "?", detail);
}

/* Decode one base64 line; on failure raise sasl_bad_base64 and return
 * NULL.  "=" alone is the empty response (RFC 4954). */
static uint8_t *decode(sasl_exchange *x, const uint8_t *b64, size_t n,
                       size_t *len, ms_ts ts) {
  if (n == 1 && b64[0] == '=') {
    *len = 0;
    return (uint8_t *)xstrdup("");
  }
  uint8_t *d = ms_base64_decode(b64, n, len);
  if (!d)
    anomaly(x, "sasl_bad_base64", ts, "client response is not base64");
  return d;
}

static const uint8_t *find_byte(const uint8_t *p, const uint8_t *end, int c) {
  return p < end ? memchr(p, c, (size_t)(end - p)) : NULL;
}

/* ---- mechanisms ----------------------------------------------------------
 * Each takes one decoded client response, fills x->found and returns the
 * transcript note; *secret tells whether the wire line carries a secret. */

/* PLAIN (RFC 4616): authzid NUL authcid NUL passwd */
static char *plain_response(sasl_exchange *x, const uint8_t *d, size_t n,
                            bool *secret, ms_ts ts) {
  if (n == 0) { /* "=" (RFC 4954): nothing to hide, nothing to log in */
    anomaly(x, "sasl_malformed", ts, "empty response");
    *secret = false;
    return xstrdup("empty PLAIN response");
  }
  const uint8_t *end = d + n;
  const uint8_t *z1 = find_byte(d, end, 0);
  const uint8_t *z2 = z1 ? find_byte(z1 + 1, end, 0) : NULL;
  if (!z1 || !z2 || find_byte(z2 + 1, end, 0)) {
    anomaly(x, "sasl_malformed", ts,
            "PLAIN response is not authzid\\0user\\0password");
    *secret = true; /* it may still hold the password */
    return xstrdup("malformed PLAIN response");
  }
  *secret = true;
  set_field_bytes(&x->found.username, z1 + 1, (size_t)(z2 - z1 - 1));
  if (z1 > d)
    set_field_bytes(&x->found.authzid, d, (size_t)(z1 - d));
  set_secret(x, z2 + 1, (size_t)(end - z2 - 1));
  return note_hiding(x, d, n, (size_t)(z2 + 1 - d), (size_t)(end - z2 - 1));
}

/* LOGIN: the prompt tells which field is asked; without a readable prompt
 * (initial response, odd servers) the first answer is the user name and
 * later ones the password. */
static char *login_response(sasl_exchange *x, const uint8_t *d, size_t n,
                            bool *secret) {
  const char *prompt = x->last_challenge;
  bool password = x->client_steps > 1;
  if (prompt && strcasestr(prompt, "pass"))
    password = true;
  else if (prompt && (strcasestr(prompt, "user") || strcasestr(prompt, "name")))
    password = false;
  *secret = password;
  if (password) {
    set_secret(x, d, n);
    return note_hiding(x, d, n, 0, n);
  }
  set_field_bytes(&x->found.username, d, n);
  return printable(d, n);
}

static bool all_hex(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isxdigit(p[i]))
      return false;
  return true;
}

/* CRAM-MD5 (RFC 2195): "user hexdigest"; the user may contain spaces, the
 * digest follows the last one. */
static char *cram_response(sasl_exchange *x, const uint8_t *d, size_t n,
                           bool *secret, ms_ts ts) {
  size_t sp = n;
  for (size_t i = n; i > 0; i--)
    if (d[i - 1] == ' ') {
      sp = i - 1;
      break;
    }
  *secret = true;
  if (sp == n || sp == 0) {
    anomaly(x, "sasl_malformed", ts, "CRAM-MD5 response is not 'user digest'");
    return xstrdup("malformed CRAM-MD5 response");
  }
  if (n - sp - 1 != 32 || !all_hex(d + sp + 1, 32))
    anomaly(x, "sasl_malformed", ts, "CRAM-MD5 digest is not 32 hex digits");
  set_field_bytes(&x->found.username, d, sp);
  set_secret(x, d + sp + 1, n - sp - 1);
  return note_hiding(x, d, n, sp + 1, n - sp - 1);
}

/* The value of "key=" inside ^A-separated fields [p, end), or NULL. */
static const uint8_t *kv_value(const uint8_t *p, const uint8_t *end,
                               const char *key, size_t *len) {
  size_t kl = strlen(key);
  while (p < end) {
    const uint8_t *f_end = find_byte(p, end, 1);
    if (!f_end)
      f_end = end;
    if ((size_t)(f_end - p) >= kl && !strncasecmp((const char *)p, key, kl)) {
      *len = (size_t)(f_end - p) - kl;
      return p + kl;
    }
    p = f_end + 1;
  }
  return NULL;
}

/* "Bearer <token>": the token part of an auth= value. */
static void bearer_token(const uint8_t *v, size_t vl, size_t *off) {
  *off = 0;
  if (vl >= 7 && !strncasecmp((const char *)v, "Bearer ", 7))
    *off = 7;
}

/* After a failed OAuth exchange the server sends an error challenge and the
 * client acknowledges it with an empty response (XOAUTH2) or ^A
 * (OAUTHBEARER, RFC 7628 3.2.3). */
static bool oauth_error_ack(const sasl_exchange *x, const uint8_t *d,
                            size_t n) {
  return x->client_steps > 1 && (n == 0 || (n == 1 && d[0] == 1));
}

/* XOAUTH2: "user=" U ^A "auth=Bearer " T ^A ^A */
static char *xoauth2_response(sasl_exchange *x, const uint8_t *d, size_t n,
                              bool *secret, ms_ts ts) {
  if (oauth_error_ack(x, d, n))
    return xstrdup("(error acknowledged)");
  size_t ul, tl;
  const uint8_t *user = kv_value(d, d + n, "user=", &ul);
  const uint8_t *token = kv_value(d, d + n, "auth=", &tl);
  *secret = true;
  if (!user || !token) {
    anomaly(x, "sasl_malformed", ts,
            "XOAUTH2 response without user= and auth=");
    return xstrdup("malformed XOAUTH2 response");
  }
  size_t skip;
  bearer_token(token, tl, &skip);
  set_field_bytes(&x->found.username, user, ul);
  set_secret(x, token + skip, tl - skip);
  return note_hiding(x, d, n, (size_t)(token + skip - d), tl - skip);
}

/* OAUTHBEARER (RFC 7628): gs2 header "n,a=user," then ^A key=value ... ^A^A */
static char *oauthbearer_response(sasl_exchange *x, const uint8_t *d, size_t n,
                                  bool *secret, ms_ts ts) {
  if (oauth_error_ack(x, d, n))
    return xstrdup("(error acknowledged)");
  *secret = true;
  const uint8_t *end = d + n, *gs2_end = find_byte(d, end, 1);
  if (n < 2 || (d[0] != 'n' && d[0] != 'y' && d[0] != 'p') || !gs2_end) {
    anomaly(x, "sasl_malformed", ts,
            "OAUTHBEARER response without a gs2 header");
    return xstrdup("malformed OAUTHBEARER response");
  }
  for (const uint8_t *p = d; p + 2 <= gs2_end; p++)
    if (p[0] == 'a' && p[1] == '=' && (p == d || p[-1] == ',')) {
      const uint8_t *u_end = find_byte(p + 2, gs2_end, ',');
      set_field_bytes(&x->found.username, p + 2,
                      (size_t)((u_end ? u_end : gs2_end) - p - 2));
      break;
    }
  size_t tl;
  const uint8_t *token = kv_value(gs2_end + 1, end, "auth=", &tl);
  if (!token) {
    anomaly(x, "sasl_malformed", ts, "OAUTHBEARER response without auth=");
    return note_hiding(x, d, n, 0, 0);
  }
  size_t skip;
  bearer_token(token, tl, &skip);
  set_secret(x, token + skip, tl - skip);
  return note_hiding(x, d, n, (size_t)(token + skip - d), tl - skip);
}

/* A SCRAM saslname (RFC 5802 5.1): "=2C" stands for ',' and "=3D" for '='. */
static void set_saslname(char **field, const uint8_t *p, size_t n) {
  uint8_t *out = xmalloc(n + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '=' && i + 2 < n &&
        (!strncasecmp((const char *)p + i, "=2C", 3) ||
         !strncasecmp((const char *)p + i, "=3D", 3))) {
      out[o++] = p[i + 2] == 'C' || p[i + 2] == 'c' ? ',' : '=';
      i += 2;
    } else {
      out[o++] = p[i];
    }
  }
  set_field_bytes(field, out, o);
  free(out);
}

/* The value of attribute `a` ("a=") in a comma-separated SCRAM message
 * from `from` on: its place, or NULL. */
static const uint8_t *scram_attr(const uint8_t *from, const uint8_t *end,
                                 char a, size_t *len) {
  for (const uint8_t *p = from; p + 2 <= end; p++)
    if (p[0] == (uint8_t)a && p[1] == '=' && (p == from || p[-1] == ',')) {
      const uint8_t *v_end = find_byte(p + 2, end, ',');
      *len = (size_t)((v_end ? v_end : end) - p - 2);
      return p + 2;
    }
  return NULL;
}

/* SCRAM (RFC 5802): the client-first message, gs2 header then bare part
 * ("n,a=authzid,n=user,r=nonce"), names the user and maybe an authzid;
 * the client-final message ("c=...,r=...,p=proof") carries the proof (the
 * secret); after the server-final message (v=) SMTP and POP3 send an
 * empty response. */
static char *scram_response(sasl_exchange *x, const uint8_t *d, size_t n,
                            bool *secret, ms_ts ts) {
  const uint8_t *end = d + n;
  size_t len;
  if (x->client_steps > 1) {
    if (n == 0)
      return xstrdup("(server signature acknowledged)");
    *secret = true;
    const uint8_t *proof = scram_attr(d, end, 'p', &len);
    if (!proof) {
      set_field(&x->found.password, REDACTED);
      return note_hiding(x, d, n, 0, n);
    }
    set_secret(x, proof, len);
    return note_hiding(x, d, n, (size_t)(proof - d), len);
  }
  /* gs2-cbind-flag "," [authzid] "," */
  const uint8_t *c1 = find_byte(d, end, ',');
  const uint8_t *c2 = c1 ? find_byte(c1 + 1, end, ',') : NULL;
  const uint8_t *bare = d;
  if (n && (d[0] == 'n' || d[0] == 'y' || d[0] == 'p') && c2) {
    if (c2 - c1 > 3 && c1[1] == 'a' && c1[2] == '=')
      set_saslname(&x->found.authzid, c1 + 3, (size_t)(c2 - c1 - 3));
    bare = c2 + 1;
  }
  const uint8_t *user = scram_attr(bare, end, 'n', &len);
  if (user)
    set_saslname(&x->found.username, user, len);
  else
    anomaly(x, "sasl_malformed", ts, "SCRAM client-first message without n=");
  return printable(d, n);
}

/* DIGEST-MD5 (RFC 2831): the value of directive `key` in a
 * comma-separated list of key=value or key="quoted" pairs, unquoted into a
 * new string; NULL when absent; at and len give the raw value's place. */
static char *digest_directive(const uint8_t *d, size_t n, const char *key,
                              size_t *at, size_t *len) {
  size_t kl = strlen(key), i = 0;
  while (i < n) {
    while (i < n && (d[i] == ',' || d[i] == ' ' || d[i] == '\t'))
      i++;
    size_t k = i;
    while (i < n && d[i] != '=' && d[i] != ',')
      i++;
    bool match = i - k == kl && !strncasecmp((const char *)d + k, key, kl);
    if (i >= n || d[i] != '=')
      continue; /* a bare token: skip it */
    i++;
    size_t v = i;
    char *value = xmalloc(n - i + 1), *o = value;
    if (i < n && d[i] == '"') {
      for (i++; i < n && d[i] != '"'; i++) {
        if (d[i] == '\\' && i + 1 < n)
          i++;
        *o++ = (char)d[i];
      }
      if (i < n)
        i++; /* the closing quote */
    } else {
      for (; i < n && d[i] != ','; i++)
        *o++ = (char)d[i];
    }
    *o = '\0';
    if (match) {
      *at = v;
      *len = i - v;
      return value;
    }
    free(value);
  }
  return NULL;
}

/* DIGEST-MD5: the first response names the user (and maybe an authzid)
 * and carries the digest (a secret); the second, after rspauth, is empty. */
static char *digest_md5_response(sasl_exchange *x, const uint8_t *d, size_t n,
                                 bool *secret, ms_ts ts) {
  if (n == 0)
    return xstrdup("(rspauth acknowledged)");
  size_t at, len;
  char *user = digest_directive(d, n, "username", &at, &len);
  char *authzid = digest_directive(d, n, "authzid", &at, &len);
  char *response = digest_directive(d, n, "response", &at, &len);
  *secret = true;
  if (user)
    set_field_bytes(&x->found.username, (const uint8_t *)user, strlen(user));
  if (authzid)
    set_field_bytes(&x->found.authzid, (const uint8_t *)authzid,
                    strlen(authzid));
  char *note;
  if (!user || !response) {
    anomaly(x, "sasl_malformed", ts,
            "DIGEST-MD5 response without username= and response=");
    note = note_hiding(x, d, n, 0, n);
  } else {
    set_secret(x, (const uint8_t *)response, strlen(response));
    note = note_hiding(x, d, n, at, len);
  }
  free(user);
  free(authzid);
  free(response);
  return note;
}

static void hex_into(char *o, const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    o[2 * i] = digits[p[i] >> 4];
    o[2 * i + 1] = digits[p[i] & 15];
  }
  o[2 * n] = '\0';
}

/* NTLM: NEGOTIATE, then AUTHENTICATE naming DOMAIN\user and the
 * workstation; its NT response (crackable offline) is the secret. */
static char *ntlm_response(sasl_exchange *x, const uint8_t *d, size_t n,
                           bool *secret, ms_ts ts) {
  ntlm_message m;
  if (!ntlm_parse(d, n, &m) || m.type == 2) {
    ntlm_message_free(&m);
    anomaly(x, "sasl_malformed", ts, "client token is not an NTLM message");
    *secret = true;
    return xstrdup("malformed NTLM message");
  }
  char *note;
  if (m.type == 1) {
    note = xasprintf("NTLM negotiate, flags 0x%08x", m.flags);
  } else {
    *secret = m.nt_response_len > 0;
    char *who = m.domain ? xasprintf("%s\\%s", m.domain, m.user ? m.user : "")
                         : xstrdup(m.user ? m.user : "");
    if (m.user)
      set_field(&x->found.username, who);
    if (m.nt_response_len && x->show_secrets) {
      char *hex = xmalloc(2 * m.nt_response_len + 1);
      hex_into(hex, m.nt_response, m.nt_response_len);
      set_field(&x->found.password, hex);
      free(hex);
    } else if (m.nt_response_len) {
      set_field(&x->found.password, REDACTED);
    }
    const char *version = m.nt_response_len == 0    ? "anonymous"
                          : m.nt_response_len == 24 ? "NTLMv1"
                                                    : "NTLMv2";
    note = xasprintf("NTLM authenticate: user \"%s\", workstation \"%s\", "
                     "%s response",
                     who, m.workstation ? m.workstation : "", version);
    free(who);
  }
  ntlm_message_free(&m);
  return note;
}

/* One decoded client response, by mechanism and step. */
static char *client_response(sasl_exchange *x, const uint8_t *d, size_t n,
                             bool *secret, ms_ts ts) {
  *secret = false;
  switch (x->mech) {
  case M_PLAIN:
    return plain_response(x, d, n, secret, ts);
  case M_LOGIN:
    return login_response(x, d, n, secret);
  case M_CRAM_MD5:
    return cram_response(x, d, n, secret, ts);
  case M_XOAUTH2:
    return xoauth2_response(x, d, n, secret, ts);
  case M_OAUTHBEARER:
    return oauthbearer_response(x, d, n, secret, ts);
  case M_EXTERNAL:
    if (n)
      set_field_bytes(&x->found.authzid, d, n);
    return printable(d, n);
  case M_ANONYMOUS:
    set_field_bytes(&x->found.username, d, n);
    return printable(d, n);
  case M_SCRAM:
    return scram_response(x, d, n, secret, ts);
  case M_DIGEST_MD5:
    return digest_md5_response(x, d, n, secret, ts);
  case M_NTLM:
    return ntlm_response(x, d, n, secret, ts);
  default:
    return NULL; /* GSSAPI, ...: binary tokens, not shown */
  }
}

static void respond(sasl_exchange *x, const uint8_t *line, size_t n, ms_ts ts,
                    sasl_view *view) {
  x->client_steps++;
  x->hid = false;
  size_t len;
  uint8_t *d = decode(x, line, n, &len, ts);
  if (!d) {
    /* Not base64: still hide it, it may be a password sent in clear. */
    if (!x->show_secrets && n)
      view->redacted = xstrdup("<redacted base64>");
    view->hidden = view->redacted != NULL;
    return;
  }
  if (x->mech != M_OTHER && x->mech != M_SCRAM && x->mech != M_NTLM &&
      !is_text(d, len))
    anomaly(x, "sasl_malformed", ts, "decoded response is not text");
  bool secret;
  view->note = client_response(x, d, len, &secret, ts);
  /* A mechanism not decoded here (GSSAPI, X-GOOGLE-TOKEN, XOAUTH,
   * PLAIN-CLIENTTOKEN, OTP, WEBEX-TOKEN, ...) is not known to carry no
   * secret: each of its client responses is hidden. */
  if (x->mech == M_OTHER && len)
    secret = true;
  if (secret && !x->show_secrets)
    view->redacted = xstrdup("<redacted base64>");
  view->hidden = x->hid || view->redacted;
  free(d);
}

/* Write the exchange's fields into the session: a successful login is
 * never overwritten by a later attempt that did not succeed. */
static void commit(sasl_exchange *x, ms_auth_result result) {
  ms_auth *a = &x->s->auth;
  a->present = true;
  a->attempts++;
  if (result == MS_AUTH_FAILURE)
    a->failures++;
  if (a->result == MS_AUTH_SUCCESS && result != MS_AUTH_SUCCESS)
    return;
  ms_auth_clear(a); /* keeps the counters */
  a->present = true;
  a->mechanism = x->found.mechanism;
  a->username = x->found.username;
  a->password = x->found.password;
  a->authzid = x->found.authzid;
  a->challenge = x->found.challenge;
  memset(&x->found, 0, sizeof x->found);
  a->result = result;
}

/* ---- interface ---------------------------------------------------------- */

sasl_exchange *sasl_begin(ms_session *s, bool show_secrets, const char *mech,
                          const uint8_t *initial, size_t initial_len, ms_ts ts,
                          sasl_view *view) {
  memset(view, 0, sizeof *view);
  sasl_exchange *x = xcalloc(1, sizeof *x);
  x->s = s;
  x->show_secrets = show_secrets;
  if (!mech)
    mech = "";
  x->mech = mechanism_of(mech);
  set_field(&x->found.mechanism, mech[0] ? mech : "(none)");
  if (!mech[0])
    ms_add_anomaly(s, "sasl_malformed", ts, "AUTH without a mechanism");
  if (initial && initial_len)
    respond(x, initial, initial_len, ts, view);
  return x;
}

/* NTLM CHALLENGE: the target (domain or server) name. */
static char *ntlm_challenge_note(sasl_exchange *x, const uint8_t *d, size_t n,
                                 ms_ts ts) {
  ntlm_message m;
  if (!ntlm_parse(d, n, &m) || m.type != 2) {
    ntlm_message_free(&m);
    anomaly(x, "sasl_malformed", ts, "server token is not an NTLM challenge");
    return NULL;
  }
  char *note =
      xasprintf("NTLM challenge, target \"%s\"", m.target ? m.target : "");
  ntlm_message_free(&m);
  return note;
}

void sasl_server(sasl_exchange *x, const uint8_t *b64, size_t n, ms_ts ts,
                 sasl_view *view) {
  memset(view, 0, sizeof *view);
  free(x->last_challenge);
  x->last_challenge = NULL;
  while (n > 0 && (b64[n - 1] == ' ' || b64[n - 1] == '\t'))
    n--;
  if (n == 0)
    return; /* an empty challenge: "send your initial response" */
  size_t len;
  uint8_t *d = ms_base64_decode(b64, n, &len);
  if (!d) {
    /* Some servers prompt in clear text; GSSAPI is not inspected. */
    if (x->mech != M_OTHER)
      anomaly(x, "sasl_bad_base64", ts, "server challenge is not base64");
    return;
  }
  x->last_challenge = wire_strdup(d, len);
  if (x->mech == M_CRAM_MD5)
    set_field(&x->found.challenge, x->last_challenge);
  if (x->mech == M_NTLM)
    view->note = ntlm_challenge_note(x, d, len, ts);
  else if (x->mech != M_OTHER)
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
  commit(x, result);
  /* POP3 reports refused logins itself (login_failed, with the RFC 3206
   * code); a client that cancels is not a failure worth an anomaly. */
  if (result == MS_AUTH_FAILURE && !x->cancelled &&
      x->s->proto != MS_PROTO_POP3) {
    const ms_auth *a = &x->s->auth;
    bool ours = a->result == MS_AUTH_FAILURE;
    const char *user = ours ? a->username : x->found.username;
    const char *mech = ours ? a->mechanism : x->found.mechanism;
    ms_add_anomaly(x->s, "auth_failed", ts, "%s login%s%s failed",
                   mech ? mech : "?", user ? " of " : "", user ? user : "");
  }
  free(x->found.mechanism);
  free(x->found.username);
  free(x->found.password);
  free(x->found.authzid);
  free(x->found.challenge);
  free(x->last_challenge);
  free(x);
}

void sasl_view_apply(sasl_view *view, ms_tline *t) {
  if (t && (view->redacted || view->hidden))
    t->flags |= MS_TL_REDACTED;
  if (t && view->note) {
    free(t->note);
    t->note = view->note;
    view->note = NULL;
  }
  if (t && view->redacted) {
    free(t->text);
    t->text = view->redacted;
    view->redacted = NULL;
  }
  free(view->note);
  free(view->redacted);
  view->note = view->redacted = NULL;
}
