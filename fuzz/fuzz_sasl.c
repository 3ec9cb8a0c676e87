/* fuzz_sasl.c - libFuzzer harness for SASL (dissectors/sasl.c, ntlm.c) and
 * the base64 / quoted-printable decoders (sasl.c, msg_decode.c).
 *
 * The low two bits of the first byte choose what the rest is:
 *
 * 0  an AUTH script, lines split at '\n' (a '\r' before it dropped, as the
 *    dissectors drop CRLF).  "A MECH[ INITIAL]" starts an exchange (ending
 *    the one before, outcome unknown), "S<text>" is a server challenge,
 *    "E<d>" ends the exchange with outcome d % 3 (unknown, success,
 *    failure), any other line is a client response.  Bit 2 of the first
 *    byte makes the session POP3.  The script runs twice, with and without
 *    --show-secrets: both must agree on everything but the secrets, and
 *    without it the password is "<redacted>" (or absent).
 * 1  text for ms_base64_decode(), compared with a plain reference decoder
 *    of the same contract: RFC 4648 letters, then at most two '=', padding
 *    optional, trailing blanks ignored, and a lone last character (length
 *    4k+1) is not base64.
 * 2  a split seed byte, then text for the streaming base64 and
 *    quoted-printable decoders (msg_decode.c), fed in chunks and compared
 *    with reference decoders that see the whole text at once.
 * 3  bytes for ntlm_parse(): fields inside the input, Unicode names UTF-8.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "msg_decode.h"
#include "ntlm.h"
#include "sasl.h"

/* ---- 0: AUTH scripts ---------------------------------------------------- */

typedef struct {
  ms_session *s;
  sasl_exchange *x;
  bool secrets, cancelled;
  char *notes; /* every view, in order, for comparison */
  size_t notes_len;
  FILE *nf;
} auth_run;

/* Which steps had a note is the same with and without secrets; a line is
 * replaced (redacted) only when secrets are hidden. */
static void keep_view(auth_run *r, sasl_view *v) {
  fputc(v->note ? 'n' : '-', r->nf);
  FUZZ_CHECK(!r->secrets || !v->redacted,
             "a line redacted with --show-secrets");
  sasl_view_apply(v, NULL);
}

static void end_exchange(auth_run *r, ms_auth_result result) {
  if (r->x)
    sasl_end(r->x, result, 2000);
  r->x = NULL;
  r->cancelled = false;
}

static void begin_exchange(auth_run *r, const uint8_t *p, size_t n) {
  end_exchange(r, MS_AUTH_UNKNOWN);
  const uint8_t *sp = memchr(p, ' ', n);
  size_t mlen = sp ? (size_t)(sp - p) : n;
  char *mech = xstrndup((const char *)p, mlen);
  const uint8_t *init = sp ? sp + 1 : NULL;
  size_t init_len = sp ? n - mlen - 1 : 0;
  sasl_view v;
  r->x = sasl_begin(r->s, r->secrets, mech, init, init_len, 1000, &v);
  keep_view(r, &v);
  free(mech);
}

static void run_script(const uint8_t *p, size_t n, bool pop3, bool secrets,
                       auth_run *r) {
  memset(r, 0, sizeof *r);
  r->secrets = secrets;
  r->s = ms_session_new();
  r->s->proto = pop3 ? MS_PROTO_POP3 : MS_PROTO_SMTP;
  r->nf = open_memstream(&r->notes, &r->notes_len);
  const uint8_t *end = p + n;
  while (p < end) {
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    size_t l = len && p[len - 1] == '\r' ? len - 1 : len;
    sasl_view v;
    if (l >= 2 && p[0] == 'A' && p[1] == ' ') {
      begin_exchange(r, p + 2, l - 2);
    } else if (l >= 1 && p[0] == 'E') {
      end_exchange(r, l >= 2 ? (ms_auth_result)(p[1] % 3) : MS_AUTH_UNKNOWN);
    } else if (r->x && l >= 1 && p[0] == 'S') {
      sasl_server(r->x, p + 1, l - 1, 1500, &v);
      keep_view(r, &v);
    } else if (r->x && !r->cancelled) {
      r->cancelled = !sasl_client(r->x, p, l, 1500, &v);
      keep_view(r, &v);
    }
    p += len + (nl != NULL);
  }
  end_exchange(r, MS_AUTH_UNKNOWN);
  fclose(r->nf);
}

static bool same_str(const char *a, const char *b) {
  return (!a && !b) || (a && b && !strcmp(a, b));
}

static void fuzz_auth(const uint8_t *p, size_t n, bool pop3) {
  auth_run hidden, shown;
  run_script(p, n, pop3, false, &hidden);
  run_script(p, n, pop3, true, &shown);
  const ms_auth *h = &hidden.s->auth, *s = &shown.s->auth;
  FUZZ_CHECK(!h->password || !strcmp(h->password, "<redacted>"),
             "password shown without --show-secrets: %s", h->password);
  FUZZ_CHECK(!h->password == !s->password,
             "a password only with%s --show-secrets", h->password ? "out" : "");
  FUZZ_CHECK(h->present == s->present && h->result == s->result &&
                 h->attempts == s->attempts && h->failures == s->failures &&
                 same_str(h->mechanism, s->mechanism) &&
                 same_str(h->username, s->username) &&
                 same_str(h->authzid, s->authzid) &&
                 same_str(h->challenge, s->challenge),
             "--show-secrets changed more than the secrets");
  FUZZ_CHECK(hidden.s->anomalies.len == shown.s->anomalies.len,
             "--show-secrets changed the anomalies (%zu, %zu)",
             hidden.s->anomalies.len, shown.s->anomalies.len);
  FUZZ_CHECK(!strcmp(hidden.notes, shown.notes),
             "--show-secrets changed which lines have notes: %s, %s",
             hidden.notes, shown.notes);
  for (size_t i = 0; i < hidden.s->anomalies.len; i++)
    FUZZ_CHECK(!strcmp(hidden.s->anomalies.items[i].name,
                       shown.s->anomalies.items[i].name),
               "--show-secrets changed anomaly %zu", i);
  ms_session_free(hidden.s);
  ms_session_free(shown.s);
  free(hidden.notes);
  free(shown.notes);
}

/* ---- 1: one-shot base64 against a reference ----------------------------- */

static int ref_value(uint8_t c) {
  static const char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *at = c ? strchr(alphabet, c) : NULL;
  return at ? (int)(at - alphabet) : -1;
}

/* Decode n letters (no padding) into out; returns the length. */
static size_t ref_letters(const uint8_t *in, size_t n, uint8_t *out) {
  size_t o = 0;
  for (size_t i = 0; i + 1 < n; i += 4) {
    int v[4] = {0, 0, 0, 0};
    size_t k = n - i < 4 ? n - i : 4;
    for (size_t j = 0; j < k; j++)
      v[j] = ref_value(in[i + j]);
    out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
    if (k > 2)
      out[o++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
    if (k > 3)
      out[o++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
  }
  return o;
}

/* The reference: false when the text is not base64. */
static bool ref_base64(const uint8_t *in, size_t n, uint8_t *out,
                       size_t *out_len) {
  while (n && (in[n - 1] == ' ' || in[n - 1] == '\t'))
    n--;
  size_t pad = 0;
  while (pad < n && in[n - 1 - pad] == '=')
    pad++;
  size_t letters = n - pad;
  if (pad > 2 || letters % 4 == 1)
    return false;
  for (size_t i = 0; i < letters; i++)
    if (ref_value(in[i]) < 0)
      return false;
  *out_len = ref_letters(in, letters, out);
  return true;
}

static void fuzz_base64(const uint8_t *p, size_t n) {
  uint8_t *want = xmalloc(n + 1);
  size_t want_len = 0, got_len = 99;
  bool ok = ref_base64(p, n, want, &want_len);
  uint8_t *got = ms_base64_decode(p, n, &got_len);
  FUZZ_CHECK(ok == (got != NULL), "ms_base64_decode %s what the reference %s",
             got ? "accepts" : "refuses", ok ? "accepts" : "refuses");
  if (got) {
    FUZZ_CHECK(got_len == want_len && !memcmp(got, want, want_len),
               "ms_base64_decode: %zu bytes, reference %zu (or other bytes)",
               got_len, want_len);
    FUZZ_CHECK(got[got_len] == 0, "ms_base64_decode: no NUL after the data");
  } else {
    FUZZ_CHECK(got_len == 0, "ms_base64_decode: refused but length %zu",
               got_len);
  }
  free(got);
  free(want);
}

/* ---- 2: streaming decoders against references --------------------------- */

typedef struct {
  uint8_t *p;
  size_t len;
} bytes;

static void collect(void *ctx, const uint8_t *p, size_t n) {
  bytes *b = ctx;
  FUZZ_CHECK(n > 0, "a decoder emitted an empty run");
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

/* The b64_stream contract, one character at a time: letters accumulate;
 * '=' drops the spare bits of the partial quantum and ends the run (a
 * letter after it starts a new one); CR, LF, space and tab are ignored;
 * anything else is counted as invalid and skipped. */
static void ref_b64_stream(const uint8_t *p, size_t n, bytes *out,
                           uint64_t *invalid, bool *incomplete) {
  uint32_t acc = 0;
  int bits = 0;
  *invalid = 0;
  for (size_t i = 0; i < n; i++) {
    int v = ref_value(p[i]);
    if (v >= 0) {
      acc = acc << 6 | (uint32_t)v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out->p[out->len++] = (uint8_t)(acc >> bits);
      }
    } else if (p[i] == '=') {
      bits = 0;
    } else if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t') {
      (*invalid)++;
    }
  }
  *incomplete = bits >= 6;
}

static int ref_hex(uint8_t c) {
  static const char digits[] = "0123456789ABCDEF0123456789abcdef";
  const char *at = c ? strchr(digits, c) : NULL;
  return at ? (int)(at - digits) % 16 : -1;
}

/* Quoted-printable, whole text: "=XX" a byte, "=" CRLF and "=" LF soft line
 * breaks, any other "=ab" kept as it is (invalid); at the end a lone "="
 * is a soft break and "=a" is kept (invalid). */
static void ref_qp(const uint8_t *p, size_t n, bytes *out, uint64_t *invalid) {
  *invalid = 0;
  size_t i = 0;
  while (i < n) {
    if (p[i] != '=') {
      out->p[out->len++] = p[i++];
    } else if (i + 1 < n && p[i + 1] == '\n') {
      i += 2;
    } else if (i + 2 < n) {
      uint8_t a = p[i + 1], b = p[i + 2];
      i += 3;
      if (a == '\r' && b == '\n')
        continue;
      if (ref_hex(a) >= 0 && ref_hex(b) >= 0) {
        out->p[out->len++] = (uint8_t)(ref_hex(a) << 4 | ref_hex(b));
        continue;
      }
      (*invalid)++;
      out->p[out->len++] = '=';
      out->p[out->len++] = a;
      out->p[out->len++] = b;
    } else {
      if (i + 1 < n) {
        (*invalid)++;
        out->p[out->len++] = '=';
        out->p[out->len++] = p[i + 1];
      }
      i = n;
    }
  }
}

typedef void (*feed_fn)(void *stream, const uint8_t *p, size_t n, bytes *out);

static void feed_b64(void *stream, const uint8_t *p, size_t n, bytes *out) {
  b64_stream_feed(stream, p, n, collect, out);
}

static void feed_qp(void *stream, const uint8_t *p, size_t n, bytes *out) {
  qp_stream_feed(stream, p, n, collect, out);
}

/* Feed p to a stream decoder in chunks drawn from seed. */
static void feed_split(uint8_t seed, const uint8_t *p, size_t n, feed_fn feed,
                       void *stream, bytes *got) {
  fuzz_rng rng;
  fuzz_rng_seed(&rng, seed);
  for (size_t i = 0; i < n;) {
    size_t k = fuzz_rng_chunk(&rng, n - i);
    feed(stream, p + i, k, got);
    i += k;
  }
}

static void check_same(const char *what, const bytes *got, const bytes *want,
                       uint64_t got_invalid, uint64_t want_invalid) {
  FUZZ_CHECK(got->len == want->len && !memcmp(got->p, want->p, want->len),
             "%s: %zu bytes, reference %zu (or other bytes)", what, got->len,
             want->len);
  FUZZ_CHECK(got_invalid == want_invalid, "%s: %llu invalid, reference %llu",
             what, (unsigned long long)got_invalid,
             (unsigned long long)want_invalid);
}

static void fuzz_streams(uint8_t seed, const uint8_t *p, size_t n) {
  bytes want = {xmalloc(n + 4), 0}, got = {xmalloc(n + 4), 0};
  uint64_t invalid;
  bool incomplete;
  ref_b64_stream(p, n, &want, &invalid, &incomplete);
  b64_stream b;
  b64_stream_init(&b);
  feed_split(seed, p, n, feed_b64, &b, &got);
  check_same("b64_stream", &got, &want, b.invalid, invalid);
  FUZZ_CHECK(b64_stream_incomplete(&b) == incomplete,
             "b64_stream_incomplete differs from the reference");

  want.len = got.len = 0;
  ref_qp(p, n, &want, &invalid);
  qp_stream q;
  qp_stream_init(&q);
  feed_split(seed, p, n, feed_qp, &q, &got);
  qp_stream_finish(&q, collect, &got);
  check_same("qp_stream", &got, &want, q.invalid, invalid);
  free(want.p);
  free(got.p);
}

/* ---- 3: NTLM ------------------------------------------------------------ */

static void check_name(const char *what, const char *s, bool unicode) {
  if (s && unicode)
    FUZZ_CHECK(g_utf8_validate(s, -1, NULL), "ntlm %s: not UTF-8", what);
}

static void fuzz_ntlm(const uint8_t *p, size_t n) {
  ntlm_message m;
  bool ok = ntlm_parse(p, n, &m);
  if (!ok) {
    FUZZ_CHECK(!m.type && !m.target && !m.domain && !m.user && !m.workstation &&
                   !m.nt_response,
               "ntlm_parse refused but filled fields");
    return;
  }
  FUZZ_CHECK(m.type >= 1 && m.type <= 3, "ntlm type %d", m.type);
  FUZZ_CHECK(!m.nt_response_len ||
                 (m.nt_response >= p && m.nt_response_len <= n &&
                  m.nt_response <= p + n - m.nt_response_len),
             "ntlm NT response outside the message");
  bool unicode = m.type == 3 && n < 64 ? true : (m.flags & 1);
  check_name("target", m.target, unicode);
  check_name("domain", m.domain, unicode);
  check_name("user", m.user, unicode);
  check_name("workstation", m.workstation, unicode);
  ntlm_message_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > (1u << 20))
    return 0;
  const uint8_t *p = data + 1;
  size_t n = size - 1;
  switch (data[0] & 3) {
  case 0:
    fuzz_auth(p, n, data[0] & 4);
    break;
  case 1:
    fuzz_base64(p, n);
    break;
  case 2:
    if (n)
      fuzz_streams(p[0], p + 1, n - 1);
    break;
  default:
    fuzz_ntlm(p, n);
    break;
  }
  return 0;
}
