/* tls_suites.c - the cipher suites we decrypt (tls_suites.h). */
#include "tls_suites.h"

#include <stddef.h>

#define S13(id, bulk, key, prf)                                                \
  { id, true, MS_TLS_BULK_##bulk, key, MS_TLS_MD_NONE, MS_TLS_MD_##prf }
#define AEAD(id, bulk, key, prf)                                               \
  { id, false, MS_TLS_BULK_##bulk, key, MS_TLS_MD_NONE, MS_TLS_MD_##prf }
#define CBC(id, bulk, key, mac, prf)                                           \
  { id, false, MS_TLS_BULK_##bulk, key, MS_TLS_MD_##mac, MS_TLS_MD_##prf }
/* CBC with HMAC-SHA1: TLS 1.2 uses the SHA-256 PRF, older versions
 * MD5+SHA1 (chosen by version when the keys are made). */
#define AES128_SHA(id) CBC(id, AES_CBC, 16, SHA1, SHA256)
#define AES256_SHA(id) CBC(id, AES_CBC, 32, SHA1, SHA256)
#define DES3_SHA(id) CBC(id, 3DES_CBC, 24, SHA1, SHA256)

static const ms_tls_suite suites[] = {
    /* TLS 1.3 (RFC 8446 B.4) */
    S13(0x1301, GCM, 16, SHA256),
    S13(0x1302, GCM, 32, SHA384),
    S13(0x1303, CHACHA, 32, SHA256),
    S13(0x1304, CCM, 16, SHA256),
    S13(0x1305, CCM8, 16, SHA256),
    /* AES-128-CBC-SHA: RSA, DH_DSS, DH_RSA, DHE_DSS, DHE_RSA, DH_anon,
     * ECDH(E)_ECDSA, ECDH(E)_RSA, ECDH_anon, (DHE_|RSA_|ECDHE_)PSK, SRP */
    AES128_SHA(0x002F),
    AES128_SHA(0x0030),
    AES128_SHA(0x0031),
    AES128_SHA(0x0032),
    AES128_SHA(0x0033),
    AES128_SHA(0x0034),
    AES128_SHA(0xC004),
    AES128_SHA(0xC009),
    AES128_SHA(0xC00E),
    AES128_SHA(0xC013),
    AES128_SHA(0xC018),
    AES128_SHA(0x008C),
    AES128_SHA(0x0090),
    AES128_SHA(0x0094),
    AES128_SHA(0xC035),
    AES128_SHA(0xC01D),
    AES128_SHA(0xC01E),
    AES128_SHA(0xC01F),
    /* AES-256-CBC-SHA, the same key exchanges */
    AES256_SHA(0x0035),
    AES256_SHA(0x0036),
    AES256_SHA(0x0037),
    AES256_SHA(0x0038),
    AES256_SHA(0x0039),
    AES256_SHA(0x003A),
    AES256_SHA(0xC005),
    AES256_SHA(0xC00A),
    AES256_SHA(0xC00F),
    AES256_SHA(0xC014),
    AES256_SHA(0xC019),
    AES256_SHA(0x008D),
    AES256_SHA(0x0091),
    AES256_SHA(0x0095),
    AES256_SHA(0xC036),
    AES256_SHA(0xC020),
    AES256_SHA(0xC021),
    AES256_SHA(0xC022),
    /* 3DES-EDE-CBC-SHA */
    DES3_SHA(0x000A),
    DES3_SHA(0x000D),
    DES3_SHA(0x0010),
    DES3_SHA(0x0013),
    DES3_SHA(0x0016),
    DES3_SHA(0x001B),
    DES3_SHA(0xC003),
    DES3_SHA(0xC008),
    DES3_SHA(0xC00D),
    DES3_SHA(0xC012),
    DES3_SHA(0xC017),
    DES3_SHA(0x008B),
    DES3_SHA(0x008F),
    DES3_SHA(0x0093),
    DES3_SHA(0xC034),
    DES3_SHA(0xC01A),
    DES3_SHA(0xC01B),
    DES3_SHA(0xC01C),
    /* AES-CBC-SHA256 (TLS 1.2) */
    CBC(0x003C, AES_CBC, 16, SHA256, SHA256),
    CBC(0x003E, AES_CBC, 16, SHA256, SHA256),
    CBC(0x003F, AES_CBC, 16, SHA256, SHA256),
    CBC(0x0040, AES_CBC, 16, SHA256, SHA256),
    CBC(0x0067, AES_CBC, 16, SHA256, SHA256),
    CBC(0x006C, AES_CBC, 16, SHA256, SHA256),
    CBC(0xC023, AES_CBC, 16, SHA256, SHA256),
    CBC(0xC025, AES_CBC, 16, SHA256, SHA256),
    CBC(0xC027, AES_CBC, 16, SHA256, SHA256),
    CBC(0xC029, AES_CBC, 16, SHA256, SHA256),
    CBC(0x00AE, AES_CBC, 16, SHA256, SHA256),
    CBC(0x00B2, AES_CBC, 16, SHA256, SHA256),
    CBC(0x00B6, AES_CBC, 16, SHA256, SHA256),
    CBC(0xC037, AES_CBC, 16, SHA256, SHA256),
    CBC(0x003D, AES_CBC, 32, SHA256, SHA256),
    CBC(0x0068, AES_CBC, 32, SHA256, SHA256),
    CBC(0x0069, AES_CBC, 32, SHA256, SHA256),
    CBC(0x006A, AES_CBC, 32, SHA256, SHA256),
    CBC(0x006B, AES_CBC, 32, SHA256, SHA256),
    CBC(0x006D, AES_CBC, 32, SHA256, SHA256),
    /* AES-256-CBC-SHA384 (TLS 1.2, SHA-384 PRF) */
    CBC(0xC024, AES_CBC, 32, SHA384, SHA384),
    CBC(0xC026, AES_CBC, 32, SHA384, SHA384),
    CBC(0xC028, AES_CBC, 32, SHA384, SHA384),
    CBC(0xC02A, AES_CBC, 32, SHA384, SHA384),
    CBC(0x00AF, AES_CBC, 32, SHA384, SHA384),
    CBC(0x00B3, AES_CBC, 32, SHA384, SHA384),
    CBC(0x00B7, AES_CBC, 32, SHA384, SHA384),
    CBC(0xC038, AES_CBC, 32, SHA384, SHA384),
    /* AES-128-GCM-SHA256 (RFC 5288, 5289, 5487, 8442) */
    AEAD(0x009C, GCM, 16, SHA256),
    AEAD(0x009E, GCM, 16, SHA256),
    AEAD(0x00A0, GCM, 16, SHA256),
    AEAD(0x00A2, GCM, 16, SHA256),
    AEAD(0x00A4, GCM, 16, SHA256),
    AEAD(0x00A6, GCM, 16, SHA256),
    AEAD(0x00A8, GCM, 16, SHA256),
    AEAD(0x00AA, GCM, 16, SHA256),
    AEAD(0x00AC, GCM, 16, SHA256),
    AEAD(0xC02B, GCM, 16, SHA256),
    AEAD(0xC02D, GCM, 16, SHA256),
    AEAD(0xC02F, GCM, 16, SHA256),
    AEAD(0xC031, GCM, 16, SHA256),
    AEAD(0xD001, GCM, 16, SHA256),
    /* AES-256-GCM-SHA384 */
    AEAD(0x009D, GCM, 32, SHA384),
    AEAD(0x009F, GCM, 32, SHA384),
    AEAD(0x00A1, GCM, 32, SHA384),
    AEAD(0x00A3, GCM, 32, SHA384),
    AEAD(0x00A5, GCM, 32, SHA384),
    AEAD(0x00A7, GCM, 32, SHA384),
    AEAD(0x00A9, GCM, 32, SHA384),
    AEAD(0x00AB, GCM, 32, SHA384),
    AEAD(0x00AD, GCM, 32, SHA384),
    AEAD(0xC02C, GCM, 32, SHA384),
    AEAD(0xC02E, GCM, 32, SHA384),
    AEAD(0xC030, GCM, 32, SHA384),
    AEAD(0xC032, GCM, 32, SHA384),
    AEAD(0xD002, GCM, 32, SHA384),
    /* ChaCha20-Poly1305 (RFC 7905) */
    AEAD(0xCCA8, CHACHA, 32, SHA256),
    AEAD(0xCCA9, CHACHA, 32, SHA256),
    AEAD(0xCCAA, CHACHA, 32, SHA256),
    AEAD(0xCCAB, CHACHA, 32, SHA256),
    AEAD(0xCCAC, CHACHA, 32, SHA256),
    AEAD(0xCCAD, CHACHA, 32, SHA256),
    AEAD(0xCCAE, CHACHA, 32, SHA256),
    /* AES-CCM and AES-CCM-8 (RFC 6655, 7251, 8442) */
    AEAD(0xC09C, CCM, 16, SHA256),
    AEAD(0xC09D, CCM, 32, SHA256),
    AEAD(0xC09E, CCM, 16, SHA256),
    AEAD(0xC09F, CCM, 32, SHA256),
    AEAD(0xC0A0, CCM8, 16, SHA256),
    AEAD(0xC0A1, CCM8, 32, SHA256),
    AEAD(0xC0A2, CCM8, 16, SHA256),
    AEAD(0xC0A3, CCM8, 32, SHA256),
    AEAD(0xC0A4, CCM, 16, SHA256),
    AEAD(0xC0A5, CCM, 32, SHA256),
    AEAD(0xC0A6, CCM, 16, SHA256),
    AEAD(0xC0A7, CCM, 32, SHA256),
    AEAD(0xC0A8, CCM8, 16, SHA256),
    AEAD(0xC0A9, CCM8, 32, SHA256),
    AEAD(0xC0AA, CCM8, 16, SHA256),
    AEAD(0xC0AB, CCM8, 32, SHA256),
    AEAD(0xC0AC, CCM, 16, SHA256),
    AEAD(0xC0AD, CCM, 32, SHA256),
    AEAD(0xC0AE, CCM8, 16, SHA256),
    AEAD(0xC0AF, CCM8, 32, SHA256),
    AEAD(0xD003, CCM8, 16, SHA256),
    AEAD(0xD005, CCM, 16, SHA256),
};

const ms_tls_suite *ms_tls_suite_find(uint16_t id) {
  for (size_t i = 0; i < sizeof suites / sizeof *suites; i++)
    if (suites[i].id == id)
      return &suites[i];
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
