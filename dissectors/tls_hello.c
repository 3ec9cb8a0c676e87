/* tls_hello.c - ClientHello, ServerHello, SSLv2 ClientHello and
 * EncryptedExtensions (tls_hello.h). */
#include "tls_hello.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "tls_read.h"

enum {
  EXT_SERVER_NAME = 0,
  EXT_SUPPORTED_GROUPS = 10,
  EXT_EC_POINT_FORMATS = 11,
  EXT_SIGNATURE_ALGORITHMS = 13,
  EXT_ALPN = 16,
  EXT_ENCRYPT_THEN_MAC = 22,
  EXT_PRE_SHARED_KEY = 41,
  EXT_SUPPORTED_VERSIONS = 43,
  EXT_KEY_SHARE = 51
};

static const char *const malformed_extension = "malformed extension";

bool tls_is_hello_retry(const uint8_t random[32]) {
  static const uint8_t hrr[32] = {
      0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
      0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
      0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
  return memcmp(random, hrr, 32) == 0;
}

/* ---- lists of numbers --------------------------------------------------- */

/* Values past MS_MAX_LIST are read but not kept. */
static void u16_list(tls_cur *c, ms_u16vec *out) {
  while (c->n >= 2) {
    uint16_t v = tls_u16(c);
    if (out->len < MS_MAX_LIST)
      *vec_push(out) = v;
  }
  if (c->n)
    c->bad = true; /* an odd byte */
}

/* An extension that is one vector of 16-bit values, its length `width`
 * bytes wide, and nothing after it. */
static void u16_vector(tls_cur *c, size_t width, ms_u16vec *out) {
  tls_cur list = tls_vec(c, width);
  u16_list(&list, out);
  c->bad |= list.bad || c->n;
}

/* ---- ClientHello extensions --------------------------------------------- */

static void client_sni(ms_tls_client_hello *h, tls_cur *c) {
  tls_cur list = tls_vec(c, 2);
  while (list.n && !list.bad) {
    uint8_t type = tls_u8(&list);
    tls_cur name = tls_vec(&list, 2);
    if (!list.bad && type == 0 && !h->server_name)
      h->server_name = wire_strdup(name.p, name.n);
  }
  c->bad |= list.bad || c->n;
}

static void alpn_list(strvec *out, tls_cur *c) {
  tls_cur list = tls_vec(c, 2);
  while (list.n && !list.bad) {
    tls_cur name = tls_vec(&list, 1);
    if (!list.bad && out->len < MS_MAX_LIST) {
      char *s = wire_strdup(name.p, name.n);
      *vec_push(out) = s;
    }
  }
  c->bad |= list.bad || c->n;
}

/* The first protocol's ends, as bytes (for JA4). */
static void client_alpn(ms_tls_client_hello *h, tls_cur c) {
  tls_cur list = tls_vec(&c, 2);
  tls_cur first = tls_vec(&list, 1);
  if (list.bad || h->alpn.len || !first.n)
    return;
  h->alpn_first_len = (uint16_t)first.n;
  h->alpn_first_ends[0] = first.p[0];
  h->alpn_first_ends[1] = first.p[first.n - 1];
}

static void client_key_share(ms_tls_client_hello *h, tls_cur *c) {
  tls_cur list = tls_vec(c, 2);
  while (list.n && !list.bad) {
    uint16_t group = tls_u16(&list);
    tls_vec(&list, 2);
    if (!list.bad && h->key_share_groups.len < MS_MAX_LIST)
      *vec_push(&h->key_share_groups) = group;
  }
  c->bad |= list.bad || c->n;
}

/* One extension's contents; false when they are malformed. */
static bool client_extension(ms_tls_client_hello *h, uint16_t type, tls_cur c) {
  switch (type) {
  case EXT_SERVER_NAME:
    client_sni(h, &c);
    break;
  case EXT_SUPPORTED_GROUPS:
    u16_vector(&c, 2, &h->groups);
    break;
  case EXT_EC_POINT_FORMATS: {
    tls_cur list = tls_vec(&c, 1);
    while (list.n && h->ec_point_formats.len < MS_MAX_LIST)
      *vec_push(&h->ec_point_formats) = tls_u8(&list);
    c.bad |= list.bad || c.n;
    break;
  }
  case EXT_SIGNATURE_ALGORITHMS:
    u16_vector(&c, 2, &h->sig_algs);
    break;
  case EXT_ALPN:
    client_alpn(h, c);
    alpn_list(&h->alpn, &c);
    break;
  case EXT_SUPPORTED_VERSIONS:
    u16_vector(&c, 1, &h->supported_versions);
    break;
  case EXT_KEY_SHARE:
    client_key_share(h, &c);
    break;
  default:
    break;
  }
  return !c.bad;
}

/* The extension block: types in order, contents where we read them. */
static const char *client_extensions(ms_tls_client_hello *h, tls_cur *c) {
  if (c->n == 0)
    return NULL; /* an old hello without extensions */
  tls_cur block = tls_vec(c, 2);
  const char *why = NULL;
  while (block.n && !block.bad) {
    uint16_t type = tls_u16(&block);
    tls_cur data = tls_vec(&block, 2);
    if (block.bad)
      break;
    if (h->extensions.len < MS_MAX_LIST)
      *vec_push(&h->extensions) = type;
    if (!client_extension(h, type, data))
      why = malformed_extension;
  }
  if (block.bad || c->bad)
    return "extensions run past their block";
  return why;
}

const char *tls_parse_client_hello(ms_tls_client_hello *h, const uint8_t *p,
                                   size_t n, tls_session_id *sid) {
  tls_cur c = tls_cur_make(p, n);
  h->version = tls_u16(&c);
  const uint8_t *random = tls_take(&c, 32);
  if (random)
    memcpy(h->random, random, 32);
  tls_cur id = tls_vec(&c, 1);
  if (!c.bad && id.n <= 32) {
    sid->len = (uint8_t)id.n;
    memcpy(sid->id, id.p, id.n);
    h->session_id = id.n > 0;
  }
  tls_cur suites = tls_vec(&c, 2);
  u16_list(&suites, &h->cipher_suites);
  tls_cur comp = tls_vec(&c, 1);
  while (comp.n && h->compression.len < 256)
    *vec_push(&h->compression) = tls_u8(&comp);
  if (c.bad || suites.bad || id.n > 32)
    return "ClientHello too short for its fields";
  const char *why = client_extensions(h, &c);
  if (!why && c.n)
    why = "bytes after the ClientHello's extensions";
  return why;
}

/* SSLv2 CLIENT-HELLO: type 1, version, three lengths, cipher specs (3
 * bytes each: those whose first byte is 0 are TLS suites), session id,
 * challenge (16-32 bytes, the client random right-aligned). */
const char *tls_parse_sslv2_client_hello(ms_tls_client_hello *h,
                                         const uint8_t *p, size_t n) {
  tls_cur c = tls_cur_make(p, n);
  if (tls_u8(&c) != 1)
    return "SSLv2 record is not a CLIENT-HELLO";
  h->sslv2 = true;
  h->version = tls_u16(&c);
  uint16_t spec_len = tls_u16(&c), id_len = tls_u16(&c),
           challenge_len = tls_u16(&c);
  const uint8_t *specs = tls_take(&c, spec_len);
  tls_take(&c, id_len);
  const uint8_t *challenge = tls_take(&c, challenge_len);
  if (c.bad || spec_len % 3 || challenge_len < 16 || challenge_len > 32)
    return "malformed SSLv2 CLIENT-HELLO";
  for (size_t i = 0; i < spec_len; i += 3)
    if (specs[i] == 0 && h->cipher_suites.len < MS_MAX_LIST)
      *vec_push(&h->cipher_suites) =
          (uint16_t)(specs[i + 1] << 8 | specs[i + 2]);
  memset(h->random, 0, 32);
  memcpy(h->random + 32 - challenge_len, challenge, challenge_len);
  h->session_id = id_len > 0;
  return c.n ? "bytes after the SSLv2 CLIENT-HELLO" : NULL;
}

/* ---- ServerHello -------------------------------------------------------- */

static bool server_extension(ms_tls_server_hello *h, uint16_t type, tls_cur c,
                             bool *psk) {
  switch (type) {
  case EXT_SUPPORTED_VERSIONS:
    h->version = tls_u16(&c);
    break;
  case EXT_KEY_SHARE: /* ServerHello: group + key; HelloRetryRequest:
                         group alone */
    h->group = tls_u16(&c);
    if (c.n)
      tls_vec(&c, 2);
    break;
  case EXT_ALPN: {
    strvec names = {0};
    alpn_list(&names, &c);
    if (names.len && !h->alpn)
      h->alpn = xstrdup(names.items[0]);
    strvec_free(&names);
    break;
  }
  case EXT_ENCRYPT_THEN_MAC:
    h->encrypt_then_mac = true;
    break;
  case EXT_PRE_SHARED_KEY:
    tls_u16(&c);
    *psk = !c.bad;
    break;
  default:
    return true;
  }
  return !c.bad && c.n == 0;
}

static const char *server_extensions(ms_tls_server_hello *h, tls_cur *c,
                                     bool *psk) {
  if (c->n == 0)
    return NULL;
  tls_cur block = tls_vec(c, 2);
  const char *why = NULL;
  while (block.n && !block.bad) {
    uint16_t type = tls_u16(&block);
    tls_cur data = tls_vec(&block, 2);
    if (block.bad)
      break;
    if (h->extensions.len < MS_MAX_LIST)
      *vec_push(&h->extensions) = type;
    if (!server_extension(h, type, data, psk))
      why = malformed_extension;
  }
  if (block.bad || c->bad)
    return "extensions run past their block";
  return why;
}

const char *tls_parse_server_hello(ms_tls_server_hello *h, const uint8_t *p,
                                   size_t n, tls_session_id *sid, bool *psk) {
  tls_cur c = tls_cur_make(p, n);
  h->legacy_version = h->version = tls_u16(&c);
  const uint8_t *random = tls_take(&c, 32);
  if (random)
    memcpy(h->random, random, 32);
  tls_cur id = tls_vec(&c, 1);
  if (!c.bad && id.n <= 32) {
    sid->len = (uint8_t)id.n;
    memcpy(sid->id, id.p, id.n);
  }
  h->cipher_suite = tls_u16(&c);
  h->compression = tls_u8(&c);
  if (c.bad || id.n > 32)
    return "ServerHello too short for its fields";
  *psk = false;
  const char *why = server_extensions(h, &c, psk);
  if (!why && c.n)
    why = "bytes after the ServerHello's extensions";
  h->cipher_name = ms_tls_suite_name(h->cipher_suite);
  return why;
}

const char *tls_parse_encrypted_extensions(ms_tls_server_hello *h,
                                           const uint8_t *p, size_t n) {
  tls_cur c = tls_cur_make(p, n);
  tls_cur block = tls_vec(&c, 2);
  bool psk = false;
  const char *why = NULL;
  while (block.n && !block.bad) {
    uint16_t type = tls_u16(&block);
    tls_cur data = tls_vec(&block, 2);
    if (!block.bad && type == EXT_ALPN &&
        !server_extension(h, type, data, &psk))
      why = malformed_extension;
  }
  if (block.bad || c.bad || c.n)
    return "malformed EncryptedExtensions";
  return why;
}

uint16_t tls_ske_named_curve(const uint8_t *p, size_t n) {
  tls_cur c = tls_cur_make(p, n);
  uint8_t curve_type = tls_u8(&c);
  uint16_t group = tls_u16(&c);
  return !c.bad && curve_type == 3 ? group : 0;
}
