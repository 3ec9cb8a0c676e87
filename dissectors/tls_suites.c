/* tls_suites.c - the cipher suites we decrypt (tls_suites.h). */
#include "tls_suites.h"

#include <stddef.h>

/* Suites with the same record protection, by key exchange. */
static const uint16_t aes128_sha[] = {
    0x002F, 0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0xC004, 0xC009, 0xC00E,
    0xC013, 0xC018, 0x008C, 0x0090, 0x0094, 0xC035, 0xC01D, 0xC01E, 0xC01F};
static const uint16_t aes256_sha[] = {
    0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x003A, 0xC005, 0xC00A, 0xC00F,
    0xC014, 0xC019, 0x008D, 0x0091, 0x0095, 0xC036, 0xC020, 0xC021, 0xC022};
static const uint16_t des3_sha[] = {
    0x000A, 0x000D, 0x0010, 0x0013, 0x0016, 0x001B, 0xC003, 0xC008, 0xC00D,
    0xC012, 0xC017, 0x008B, 0x008F, 0x0093, 0xC034, 0xC01A, 0xC01B, 0xC01C};
static const uint16_t aes128_sha256[] = {0x003C, 0x003E, 0x003F, 0x0040, 0x0067,
                                         0x006C, 0xC023, 0xC025, 0xC027, 0xC029,
                                         0x00AE, 0x00B2, 0x00B6, 0xC037};
static const uint16_t aes256_sha256[] = {0x003D, 0x0068, 0x0069,
                                         0x006A, 0x006B, 0x006D};
static const uint16_t aes256_sha384[] = {0xC024, 0xC026, 0xC028, 0xC02A,
                                         0x00AF, 0x00B3, 0x00B7, 0xC038};
static const uint16_t aes128_gcm[] = {0x009C, 0x009E, 0x00A0, 0x00A2, 0x00A4,
                                      0x00A6, 0x00A8, 0x00AA, 0x00AC, 0xC02B,
                                      0xC02D, 0xC02F, 0xC031, 0xD001};
static const uint16_t aes256_gcm[] = {0x009D, 0x009F, 0x00A1, 0x00A3, 0x00A5,
                                      0x00A7, 0x00A9, 0x00AB, 0x00AD, 0xC02C,
                                      0xC02E, 0xC030, 0xC032, 0xD002};
static const uint16_t chacha[] = {0xCCA8, 0xCCA9, 0xCCAA, 0xCCAB,
                                  0xCCAC, 0xCCAD, 0xCCAE};
static const uint16_t aes128_ccm[] = {0xC09C, 0xC09E, 0xC0A4,
                                      0xC0A6, 0xC0AC, 0xD005};
static const uint16_t aes256_ccm[] = {0xC09D, 0xC09F, 0xC0A5, 0xC0A7, 0xC0AD};
static const uint16_t aes128_ccm8[] = {0xC0A0, 0xC0A2, 0xC0A8,
                                       0xC0AA, 0xC0AE, 0xD003};
static const uint16_t aes256_ccm8[] = {0xC0A1, 0xC0A3, 0xC0A9, 0xC0AB, 0xC0AF};
static const uint16_t tls13_aes128_gcm[] = {0x1301};
static const uint16_t tls13_aes256_gcm[] = {0x1302};
static const uint16_t tls13_chacha[] = {0x1303};
static const uint16_t tls13_aes128_ccm[] = {0x1304};
static const uint16_t tls13_aes128_ccm8[] = {0x1305};

#define GROUP(ids, tls13, bulk, key, mac, prf)                                 \
  {                                                                            \
    ids, sizeof ids / sizeof *ids, {                                           \
      tls13, MS_TLS_BULK_##bulk, key, MS_TLS_MD_##mac, MS_TLS_MD_##prf         \
    }                                                                          \
  }

static const struct {
  const uint16_t *ids;
  size_t n;
  ms_tls_suite suite;
} groups[] = {
    /* TLS 1.3 (RFC 8446 B.4) */
    GROUP(tls13_aes128_gcm, true, GCM, 16, NONE, SHA256),
    GROUP(tls13_aes256_gcm, true, GCM, 32, NONE, SHA384),
    GROUP(tls13_chacha, true, CHACHA, 32, NONE, SHA256),
    GROUP(tls13_aes128_ccm, true, CCM, 16, NONE, SHA256),
    GROUP(tls13_aes128_ccm8, true, CCM8, 16, NONE, SHA256),
    /* CBC with HMAC-SHA1: TLS 1.2 uses the SHA-256 PRF, older versions
     * MD5+SHA1 (chosen by version when the keys are made) */
    GROUP(aes128_sha, false, AES_CBC, 16, SHA1, SHA256),
    GROUP(aes256_sha, false, AES_CBC, 32, SHA1, SHA256),
    GROUP(des3_sha, false, 3DES_CBC, 24, SHA1, SHA256),
    /* TLS 1.2 only */
    GROUP(aes128_sha256, false, AES_CBC, 16, SHA256, SHA256),
    GROUP(aes256_sha256, false, AES_CBC, 32, SHA256, SHA256),
    GROUP(aes256_sha384, false, AES_CBC, 32, SHA384, SHA384),
    GROUP(aes128_gcm, false, GCM, 16, NONE, SHA256),
    GROUP(aes256_gcm, false, GCM, 32, NONE, SHA384),
    GROUP(chacha, false, CHACHA, 32, NONE, SHA256),
    GROUP(aes128_ccm, false, CCM, 16, NONE, SHA256),
    GROUP(aes256_ccm, false, CCM, 32, NONE, SHA256),
    GROUP(aes128_ccm8, false, CCM8, 16, NONE, SHA256),
    GROUP(aes256_ccm8, false, CCM8, 32, NONE, SHA256),
};

const ms_tls_suite *ms_tls_suite_find(uint16_t id) {
  for (size_t g = 0; g < sizeof groups / sizeof *groups; g++)
    for (size_t i = 0; i < groups[g].n; i++)
      if (groups[g].ids[i] == id)
        return &groups[g].suite;
  return NULL;
}

bool ms_tls_bulk_aead(ms_tls_bulk b) {
  return b != MS_TLS_BULK_AES_CBC && b != MS_TLS_BULK_3DES_CBC;
}

const char *ms_tls_cipher_name(const ms_tls_suite *s) {
  bool k256 = s->key_len == 32;
  switch ((ms_tls_bulk)s->bulk) {
  case MS_TLS_BULK_GCM:
    return k256 ? "AES-256-GCM" : "AES-128-GCM";
  case MS_TLS_BULK_CCM:
  case MS_TLS_BULK_CCM8:
    return k256 ? "AES-256-CCM" : "AES-128-CCM";
  case MS_TLS_BULK_CHACHA:
    return "ChaCha20-Poly1305";
  case MS_TLS_BULK_AES_CBC:
    return k256 ? "AES-256-CBC" : "AES-128-CBC";
  case MS_TLS_BULK_3DES_CBC:
    return "DES-EDE3-CBC";
  }
  return NULL;
}

unsigned ms_tls_block_size(const ms_tls_suite *s) {
  switch ((ms_tls_bulk)s->bulk) {
  case MS_TLS_BULK_AES_CBC:
    return 16;
  case MS_TLS_BULK_3DES_CBC:
    return 8;
  default:
    return 0;
  }
}
