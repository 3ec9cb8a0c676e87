/* tls_fingerprint.c - JA4, JA3 and JA3S (tls_fingerprint.h). */
#include "tls_fingerprint.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXT_SNI = 0x0000, EXT_ALPN = 0x0010 };

/* A growable text, for the fingerprint strings. */
typedef struct {
  char *s;
  size_t len;
  FILE *f;
} text;

static void text_open(text *t) {
  t->s = NULL;
  t->len = 0;
  t->f = open_memstream(&t->s, &t->len);
  if (!t->f)
    abort();
}

static char *text_close(text *t) {
  fclose(t->f);
  return t->s;
}

static void digest_hex(const EVP_MD *md, const char *s, size_t keep,
                       char *out) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(s, strlen(s), d, &len, md, NULL))
    len = 0;
  size_t k = 0;
  for (unsigned int i = 0; i < len && k + 2 <= keep; i++, k += 2)
    snprintf(out + k, 3, "%02x", d[i]);
  out[k] = '\0';
}

/* ---- JA3 / JA3S --------------------------------------------------------- */

static void ja3_list(FILE *f, const uint16_t *v, size_t n) {
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    if (ms_tls_is_grease(v[i]))
      continue;
    fprintf(f, "%s%u", first ? "" : "-", v[i]);
    first = false;
  }
}

static void ja3(ms_tls_client_hello *h) {
  text t;
  text_open(&t);
  fprintf(t.f, "%u,", h->version);
  ja3_list(t.f, h->cipher_suites.items, h->cipher_suites.len);
  fputc(',', t.f);
  ja3_list(t.f, h->extensions.items, h->extensions.len);
  fputc(',', t.f);
  ja3_list(t.f, h->groups.items, h->groups.len);
  fputc(',', t.f);
  for (size_t i = 0; i < h->ec_point_formats.len; i++)
    fprintf(t.f, "%s%u", i ? "-" : "", h->ec_point_formats.items[i]);
  h->ja3_string = text_close(&t);
  digest_hex(EVP_md5(), h->ja3_string, 32, h->ja3);
}

void tls_fingerprint_server(ms_tls_server_hello *s) {
  text t;
  text_open(&t);
  fprintf(t.f, "%u,%u,", s->legacy_version, s->cipher_suite);
  ja3_list(t.f, s->extensions.items, s->extensions.len);
  free(s->ja3s_string);
  s->ja3s_string = text_close(&t);
  digest_hex(EVP_md5(), s->ja3s_string, 32, s->ja3s);
}

/* ---- JA4 ---------------------------------------------------------------- */

static const char *ja4_version(uint16_t v) {
  switch (v) {
  case 0x0304:
    return "13";
  case 0x0303:
    return "12";
  case 0x0302:
    return "11";
  case 0x0301:
    return "10";
  case 0x0300:
    return "s3";
  case 0x0002:
    return "s2";
  default:
    return "00";
  }
}

/* The highest non-GREASE supported_versions entry, else legacy_version. */
static uint16_t offered_version(const ms_tls_client_hello *h) {
  uint16_t best = 0;
  for (size_t i = 0; i < h->supported_versions.len; i++) {
    uint16_t v = h->supported_versions.items[i];
    if (!ms_tls_is_grease(v) && v > best)
      best = v;
  }
  return best ? best : h->version;
}

static size_t count_real(const ms_u16vec *v) {
  size_t n = 0;
  for (size_t i = 0; i < v->len; i++)
    n += !ms_tls_is_grease(v->items[i]);
  return n > 99 ? 99 : n;
}

static bool has_extension(const ms_tls_client_hello *h, uint16_t type) {
  for (size_t i = 0; i < h->extensions.len; i++)
    if (h->extensions.items[i] == type)
      return true;
  return false;
}

static bool alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
         (c >= 'a' && c <= 'z');
}

/* First and last character of the first ALPN value; "00" without one;
 * from its hex form when either end is not alphanumeric. */
static void alpn_chars(const ms_tls_client_hello *h, char out[3]) {
  strcpy(out, "00");
  if (!h->alpn.len || !h->alpn_first_len)
    return;
  uint8_t first = h->alpn_first_ends[0], last = h->alpn_first_ends[1];
  if (alnum(first) && alnum(last)) {
    out[0] = (char)first;
    out[1] = (char)last;
    return;
  }
  static const char hex[] = "0123456789abcdef";
  out[0] = hex[first >> 4];
  out[1] = hex[last & 15];
}

static int cmp_u16(const void *a, const void *b) {
  uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
  return x < y ? -1 : x > y;
}

/* Sorted copy without GREASE (and without SNI and ALPN when asked). */
static size_t sorted(const ms_u16vec *v, bool drop_sni_alpn, uint16_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < v->len; i++) {
    uint16_t x = v->items[i];
    if (ms_tls_is_grease(x) ||
        (drop_sni_alpn && (x == EXT_SNI || x == EXT_ALPN)))
      continue;
    out[n++] = x;
  }
  qsort(out, n, sizeof *out, cmp_u16);
  return n;
}

static void hex_list(FILE *f, const uint16_t *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%04x", i ? "," : "", v[i]);
}

static void hash12(const char *s, char out[13]) {
  if (!*s)
    strcpy(out, "000000000000");
  else
    digest_hex(EVP_sha256(), s, 12, out);
}

static char *list_text(const uint16_t *v, size_t n) {
  text t;
  text_open(&t);
  hex_list(t.f, v, n);
  return text_close(&t);
}

/* The extension part: sorted extensions, then '_' and the signature
 * algorithms in wire order when there are any. */
static char *extension_text(const ms_tls_client_hello *h, uint16_t *buf) {
  size_t n = sorted(&h->extensions, true, buf);
  text t;
  text_open(&t);
  hex_list(t.f, buf, n);
  bool first = true;
  for (size_t i = 0; i < h->sig_algs.len; i++) {
    uint16_t a = h->sig_algs.items[i];
    if (ms_tls_is_grease(a))
      continue;
    fprintf(t.f, "%s%04x", first ? "_" : ",", a);
    first = false;
  }
  return text_close(&t);
}

static void ja4(ms_tls_client_hello *h) {
  char a[16], alpn[3];
  alpn_chars(h, alpn);
  snprintf(a, sizeof a, "t%s%c%02zu%02zu%s", ja4_version(offered_version(h)),
           has_extension(h, EXT_SNI) ? 'd' : 'i', count_real(&h->cipher_suites),
           count_real(&h->extensions), alpn);
  size_t most = h->cipher_suites.len > h->extensions.len ? h->cipher_suites.len
                                                         : h->extensions.len;
  uint16_t *buf = xmalloc((most + 1) * sizeof *buf);
  char *ciphers = list_text(buf, sorted(&h->cipher_suites, false, buf));
  char *exts = extension_text(h, buf);
  char b[13], c[13];
  hash12(ciphers, b);
  hash12(exts, c);
  snprintf(h->ja4, sizeof h->ja4, "%.10s_%.12s_%.12s", a, b, c);
  free(h->ja4_r);
  h->ja4_r = xasprintf("%s_%s_%s", a, ciphers, exts);
  free(ciphers);
  free(exts);
  free(buf);
}

void tls_fingerprint_client(ms_tls_client_hello *h) {
  free(h->ja3_string);
  ja3(h);
  ja4(h);
}
