/* test_tls_crypto.c - TLS record decryption (tls_crypto.h).
 *
 * Known answers: the TLS 1.2 PRF vector of the IETF TLS working group
 * (mail-archive tls msg03416), the TLS 1.0 PRF vector everybody reproduces
 * (also what `openssl kdf -kdfopt digest:MD5-SHA1 ... TLS1-PRF` gives), and
 * RFC 8448 section 3, the simple 1-RTT TLS 1.3 trace: its traffic secrets
 * give the RFC's keys and IVs and open the RFC's records (the AEAD tags
 * check every byte of what was transcribed).  CBC records made here with
 * EVP (every padding length, wrong padding bytes, a padding length larger
 * than the record, a wrong MAC, both MAC orders, 3DES which libssl no
 * longer speaks, TLS 1.0's chained IVs).  And the key store's
 * parsing, replacement and reload hook.  Every suite family and version on
 * records a real TLS stack wrote: test_tls_records.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tls_crypto.h"
#include "tls_kdf.h"

static size_t unhex(const char *s, uint8_t *out) {
  size_t n = 0;
  int hi = -1;
  for (; *s; s++) {
    int v;
    if (*s >= '0' && *s <= '9')
      v = *s - '0';
    else if (*s >= 'a' && *s <= 'f')
      v = *s - 'a' + 10;
    else
      continue;
    if (hi < 0) {
      hi = v;
    } else {
      out[n++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  return n;
}

/* ---- the key schedules -------------------------------------------------- */

static void prf_tls12_vector(void **state) {
  (void)state;
  uint8_t secret[16], seed[16], want[100], got[100];
  unhex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35", secret);
  unhex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c", seed);
  unhex("e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 "
        "95 32 9b 52 d4 e6 1e db 5a 6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba "
        "f9 af 0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b ab 4f bc 91 66 6e "
        "9d ef 9b 97 fc e3 4f 79 67 89 ba a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 "
        "10 ff f7 01 87 34 7b 66",
        want);
  assert_true(ms_tls_prf(MS_TLS_MD_SHA256, secret, 16, "test label", seed, 16,
                         got, 100));
  assert_memory_equal(got, want, 100);
}

static void prf_tls10_vector(void **state) {
  (void)state;
  uint8_t secret[48], seed[64], want[104], got[104];
  memset(secret, 0xab, sizeof secret);
  memset(seed, 0xcd, sizeof seed);
  unhex("d3d4d1e349b5d515044666d51de32bab258cb521b6b053463e354832fd976754443bcf"
        "9a296519bc289abcbc1187e4ebd31e602353776c408aafb74cbc85eff69255f9788faa"
        "184cbb957a9819d84a5d7eb006eb459d3ae8de9810454b8b2d8f1afbc655a8c9a013",
        want);
  assert_true(ms_tls_prf(MS_TLS_MD_MD5_SHA1, secret, 48, "PRF Testvector", seed,
                         64, got, 104));
  assert_memory_equal(got, want, 104);
  assert_false(ms_tls_prf(MS_TLS_MD_NONE, secret, 48, "x", seed, 64, got, 1));
}

/* RFC 8448 section 3 */
#define S_HS                                                                   \
  "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d "   \
  "42 be fd 59 d3 91 ad 38"
#define C_HS                                                                   \
  "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 "   \
  "00 74 6a 0e 27 a5 5a 21"
#define C_AP                                                                   \
  "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 "   \
  "f7 92 eb b7 c1 75 04 a5"
#define S_AP                                                                   \
  "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a "   \
  "4b 4f 1f 3f cb 63 16 43"

static void expand_label_rfc8448(void **state) {
  (void)state;
  uint8_t secret[32], key[16], iv[12], want_key[16], want_iv[12];
  unhex(S_HS, secret);
  assert_true(ms_tls13_expand_label(MS_TLS_MD_SHA256, secret, 32, "key", NULL,
                                    0, key, 16));
  assert_true(ms_tls13_expand_label(MS_TLS_MD_SHA256, secret, 32, "iv", NULL, 0,
                                    iv, 12));
  unhex("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc", want_key);
  unhex("5d 31 3e b2 67 12 76 ee 13 00 0b 30", want_iv);
  assert_memory_equal(key, want_key, 16);
  assert_memory_equal(iv, want_iv, 12);
  unhex(S_AP, secret);
  assert_true(ms_tls13_expand_label(MS_TLS_MD_SHA256, secret, 32, "key", NULL,
                                    0, key, 16));
  unhex("9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56", want_key);
  assert_memory_equal(key, want_key, 16);
}

/* Open one RFC 8448 record (given whole, header included) at the cipher's
 * next sequence number. */
static ms_tls_dec_status open_record(ms_tls_cipher *c, const char *hex,
                                     uint8_t *out, size_t *out_len,
                                     uint8_t *inner) {
  uint8_t rec[1024];
  size_t n = unhex(hex, rec);
  assert_int_equal(n, 5 + ((size_t)rec[3] << 8 | rec[4]));
  return ms_tls_cipher_decrypt(c, rec[0], (uint16_t)(rec[1] << 8 | rec[2]),
                               rec + 5, n - 5, out, out_len, inner);
}

#define C_FIN_REC                                                              \
  "17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0 "   \
  "51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c "   \
  "ae ac ab 68 67 d7 26 c4 05 46"
#define C_APP_REC                                                              \
  "17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea "   \
  "42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b "   \
  "62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4"
#define S_APP_REC                                                              \
  "17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69 32 fc "   \
  "32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8 "   \
  "fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d"
#define C_ALERT_REC                                                            \
  "17 03 03 00 13 c9 87 27 60 65 56 66 b7 4d 7f f1 15 3e fd 6d b6 d0 b0 e3"
#define S_ALERT_REC                                                            \
  "17 03 03 00 13 b5 8f d6 71 66 eb f5 99 d2 47 20 cf be 7e fa 7a 88 64 a9"
#define S_NST_REC                                                              \
  "17 03 03 00 de 3a 6b 8f 90 41 4a 97 d6 95 9c 34 87 68 0d e5 13 4a 2b 24 "   \
  "0e 6c ff ac 11 6e 95 d4 1d 6a f8 f6 b5 80 dc f3 d1 1d 63 c7 58 db 28 9a "   \
  "01 59 40 25 2f 55 71 3e 06 1d c1 3e 07 88 91 a3 8e fb cf 57 53 ad 8e f1 "   \
  "70 ad 3c 73 53 d1 6d 9d a7 73 b9 ca 7f 2b 9f a1 b6 c0 d4 a3 d0 3f 75 e0 "   \
  "9c 30 ba 1e 62 97 2a c4 6f 75 f7 b9 81 be 63 43 9b 29 99 ce 13 06 46 15 "   \
  "13 98 91 d5 e4 c5 b4 06 f1 6e 3f c1 81 a7 7c a4 75 84 00 25 db 2f 0a 77 "   \
  "f8 1b 5a b0 5b 94 c0 13 46 75 5f 69 23 2c 86 51 9d 86 cb ee ac 87 aa c3 "   \
  "47 d1 43 f9 60 5d 64 f6 50 db 4d 02 3e 70 e9 52 ca 49 fe 51 37 12 1c 74 "   \
  "bc 26 97 68 7e 24 87 46 d6 df 35 30 05 f3 bc e1 86 96 12 9c 81 53 55 6b "   \
  "3b 6c 67 79 b3 7b f1 59 85 68 4f"

static ms_tls_cipher *rfc_cipher(const char *secret_hex) {
  uint8_t secret[32];
  unhex(secret_hex, secret);
  ms_tls_cipher *c = ms_tls_cipher_new13(0x1301, secret, 32);
  assert_non_null(c);
  return c;
}

static void assert_payload_0_to_49(const uint8_t *out, size_t n) {
  assert_int_equal(n, 50);
  for (size_t i = 0; i < 50; i++)
    assert_int_equal(out[i], i);
}

static void records_rfc8448(void **state) {
  (void)state;
  uint8_t out[1024], inner;
  size_t n;
  /* client: Finished under its handshake secret, then data and an alert */
  ms_tls_cipher *c = rfc_cipher(C_HS);
  assert_int_equal(open_record(c, C_FIN_REC, out, &n, &inner), MS_TLS_DEC_OK);
  assert_int_equal(inner, 22);
  assert_int_equal(n, 36); /* Finished: 4-byte header, 32-byte verify_data */
  assert_int_equal(out[0], 20);
  ms_tls_cipher_free(c);
  c = rfc_cipher(C_AP);
  assert_int_equal(open_record(c, C_APP_REC, out, &n, &inner), MS_TLS_DEC_OK);
  assert_int_equal(inner, 23);
  assert_payload_0_to_49(out, n);
  assert_int_equal(open_record(c, C_ALERT_REC, out, &n, &inner), MS_TLS_DEC_OK);
  assert_int_equal(inner, 21);
  assert_int_equal(n, 2);
  assert_int_equal(out[0], 1); /* warning */
  assert_int_equal(out[1], 0); /* close_notify */
  ms_tls_cipher_free(c);
  /* server: NewSessionTicket (seq 0), data (1), alert (2) */
  c = rfc_cipher(S_AP);
  assert_int_equal(open_record(c, S_NST_REC, out, &n, &inner), MS_TLS_DEC_OK);
  assert_int_equal(inner, 22);
  assert_int_equal(out[0], 4); /* new_session_ticket */
  assert_int_equal(open_record(c, S_APP_REC, out, &n, &inner), MS_TLS_DEC_OK);
  assert_payload_0_to_49(out, n);
  assert_int_equal(open_record(c, S_ALERT_REC, out, &n, &inner), MS_TLS_DEC_OK);
  assert_int_equal(inner, 21);
  ms_tls_cipher_free(c);
  /* out of order (the wrong sequence number) fails, and moves on */
  c = rfc_cipher(S_AP);
  assert_int_equal(open_record(c, S_APP_REC, out, &n, &inner),
                   MS_TLS_DEC_BAD_RECORD);
  assert_int_equal(open_record(c, S_APP_REC, out, &n, &inner), MS_TLS_DEC_OK);
  ms_tls_cipher_free(c);
}

static void records_rfc8448_in_place_and_damaged(void **state) {
  (void)state;
  uint8_t rec[128], inner;
  size_t n = unhex(C_APP_REC, rec), len;
  ms_tls_cipher *c = rfc_cipher(C_AP);
  assert_int_equal(ms_tls_cipher_decrypt(c, 23, 0x0303, rec + 5, n - 5, rec + 5,
                                         &len, &inner),
                   MS_TLS_DEC_OK);
  assert_payload_0_to_49(rec + 5, len);
  ms_tls_cipher_free(c);
  /* a flipped bit in the type, the version or the fragment fails (the
   * length is n, which the caller takes from the header) */
  for (size_t bit = 0; bit < 8 * (n - 5) + 40; bit += 3) {
    uint8_t r[128], out[128];
    if (bit >= 24 && bit < 40)
      continue;
    unhex(C_APP_REC, r);
    r[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    c = rfc_cipher(C_AP);
    assert_int_equal(ms_tls_cipher_decrypt(c, r[0],
                                           (uint16_t)(r[1] << 8 | r[2]), r + 5,
                                           n - 5, out, &len, &inner),
                     MS_TLS_DEC_BAD_RECORD);
    ms_tls_cipher_free(c);
  }
  /* too short for a tag and a content type */
  c = rfc_cipher(C_AP);
  for (size_t k = 0; k <= 16; k++)
    assert_int_equal(
        ms_tls_cipher_decrypt(c, 23, 0x0303, rec + 5, k, rec, &len, &inner),
        MS_TLS_DEC_BAD_RECORD);
  ms_tls_cipher_free(c);
}

static void new13_rejects(void **state) {
  (void)state;
  uint8_t secret[48] = {1};
  assert_null(ms_tls_cipher_new13(0x1302, secret, 32)); /* SHA-384: 48 bytes */
  assert_null(ms_tls_cipher_new13(0x1301, secret, 48));
  assert_null(ms_tls_cipher_new13(0xC02F, secret, 32)); /* a TLS 1.2 suite */
  assert_null(ms_tls_cipher_new13(0x1306, secret, 32));
  ms_tls_cipher *c = ms_tls_cipher_new13(0x1302, secret, 48);
  assert_non_null(c);
  assert_true(ms_tls_cipher_key_update(c));
  ms_tls_cipher_free(c);
  assert_false(ms_tls_cipher_key_update(NULL));
}

static void suites_supported(void **state) {
  (void)state;
  assert_true(ms_tls_suite_supported(0x0304, 0x1301));
  assert_true(ms_tls_suite_supported(0x0304, 0x1305));
  assert_false(ms_tls_suite_supported(0x0303, 0x1301));
  assert_false(ms_tls_suite_supported(0x0304, 0xC02F));
  assert_true(ms_tls_suite_supported(0x0303, 0xC02F));
  assert_true(ms_tls_suite_supported(0x0303, 0xCCA8));
  assert_true(ms_tls_suite_supported(0x0303, 0xC028));
  assert_true(ms_tls_suite_supported(0x0301, 0x002F));
  assert_true(ms_tls_suite_supported(0x0302, 0xC014));
  assert_false(ms_tls_suite_supported(0x0302, 0xC02F)); /* GCM needs 1.2 */
  assert_false(ms_tls_suite_supported(0x0301, 0x003C)); /* SHA-256 MAC too */
  assert_false(ms_tls_suite_supported(0x0300, 0x002F)); /* SSL 3.0 */
  assert_false(ms_tls_suite_supported(0x0303, 0x0005)); /* RC4 */
  assert_false(ms_tls_suite_supported(0x0303, 0x0000)); /* NULL */
  uint8_t ms[48] = {0}, r[32] = {0};
  assert_null(ms_tls_cipher_new12(0x0303, 0x0005, ms, r, r, false, false));
  assert_null(ms_tls_cipher_new12(0x0304, 0x1301, ms, r, r, false, false));
}

/* ---- CBC records made here: every padding, bad paddings, 3DES ----------- */

#include "tls_forge.h"

static size_t forge_ok(forger *f, const uint8_t *content, size_t n,
                       size_t pad_len, uint8_t pad_byte, bool bad_mac,
                       uint8_t *rec) {
  size_t len = forge(f, content, n, pad_len, pad_byte, bad_mac, rec);
  assert_true(len > 0);
  return len;
}

static ms_tls_dec_status open_forged(ms_tls_cipher *c, const forger *f,
                                     const uint8_t *rec, size_t len,
                                     uint8_t *out, size_t *n) {
  uint8_t inner;
  return ms_tls_cipher_decrypt(c, 23, f->version, rec, len, out, n, &inner);
}

/* Every padding length a record of this content can have. */
static void every_padding(forger *f) {
  static uint8_t content[100], rec[70000], out[70000];
  for (size_t i = 0; i < sizeof content; i++)
    content[i] = (uint8_t)(i * 7);
  ms_tls_cipher *c = forger_cipher(f);
  assert_non_null(c);
  size_t base = 37 + (f->etm ? 0 : f->mac_len) + 1, ok = 0;
  for (size_t pad = 0; pad < 256; pad++) {
    if ((base + pad) % f->bs)
      continue;
    size_t n, len = forge_ok(f, content, 37, pad, (uint8_t)pad, false, rec);
    assert_int_equal(open_forged(c, f, rec, len, out, &n), MS_TLS_DEC_OK);
    assert_int_equal(n, 37);
    assert_memory_equal(out, content, 37);
    ok++;
  }
  assert_true(ok >= 256 / f->bs - 1);
  ms_tls_cipher_free(c);
}

static void bad_paddings(forger *f) {
  static uint8_t content[64], rec[70000], out[70000];
  ms_tls_cipher *c = forger_cipher(f);
  assert_non_null(c);
  size_t n, len, base = 40 + (f->etm ? 0 : f->mac_len) + 1, pad = 0;
  while ((base + pad) % f->bs || pad < 3)
    pad++;
  /* one padding byte differs from the length byte */
  len = forge_ok(f, content, 40, pad, (uint8_t)(pad + 1), false, rec);
  assert_int_equal(open_forged(c, f, rec, len, out, &n), MS_TLS_DEC_BAD_RECORD);
  /* a good record still opens after it */
  len = forge_ok(f, content, 40, pad, (uint8_t)pad, false, rec);
  assert_int_equal(open_forged(c, f, rec, len, out, &n), MS_TLS_DEC_OK);
  /* the MAC is wrong */
  len = forge_ok(f, content, 40, pad, (uint8_t)pad, true, rec);
  assert_int_equal(open_forged(c, f, rec, len, out, &n), MS_TLS_DEC_BAD_RECORD);
  /* a length byte larger than the record: 0 content bytes, pad says 255 */
  f->len_byte = 0xff;
  len = forge_ok(f, content, 0, f->bs - 1 - (f->etm ? 0 : f->mac_len % f->bs),
                 0xff, false, rec);
  f->len_byte = -1;
  assert_int_equal(open_forged(c, f, rec, len, out, &n), MS_TLS_DEC_BAD_RECORD);
  /* a length byte that leaves no room for the MAC (MAC-then-encrypt) */
  if (!f->etm) {
    size_t all = f->bs * ((f->mac_len + 1 + f->bs - 1) / f->bs);
    f->len_byte = (int)(all - f->mac_len); /* one byte too many */
    len = forge_ok(f, content, 0, all - f->mac_len - 1, (uint8_t)f->len_byte,
                   false, rec);
    f->len_byte = -1;
    assert_int_equal(open_forged(c, f, rec, len, out, &n),
                     MS_TLS_DEC_BAD_RECORD);
  }
  /* lengths that are no multiple of the block, or too short */
  len = forge_ok(f, content, 40, pad, (uint8_t)pad, false, rec);
  assert_int_equal(open_forged(c, f, rec, len - 1, out, &n),
                   MS_TLS_DEC_BAD_RECORD);
  assert_int_equal(open_forged(c, f, rec, 0, out, &n), MS_TLS_DEC_BAD_RECORD);
  assert_int_equal(open_forged(c, f, rec, f->bs, out, &n),
                   MS_TLS_DEC_BAD_RECORD);
  ms_tls_cipher_free(c);
}

static void cbc_forged(void **state) {
  (void)state;
  for (size_t i = 0; i < FORGE_SUITES; i++) {
    const forge_suite *suite = forge_suite_at(i);
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, suite->cipher, NULL);
    EVP_MD *md = EVP_MD_fetch(NULL, suite->md, NULL);
    assert_non_null(cipher);
    for (int etm = 0; etm < 2; etm++) {
      forger f;
      assert_true(forger_init(&f, suite->version, suite->suite, cipher, md,
                              suite->key_len, etm));
      every_padding(&f);
      assert_true(forger_init(&f, suite->version, suite->suite, cipher, md,
                              suite->key_len, etm));
      bad_paddings(&f);
    }
    EVP_CIPHER_free(cipher);
    EVP_MD_free(md);
  }
}

/* ---- the key store ------------------------------------------------------ */

#define CR1 "0102030405060708091011121314151617181920212223242526272829303132"
#define CR2 "AABBCCDDEEFF00112233445566778899aabbccddeeff00112233445566778899"
#define MS48                                                                   \
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"           \
  "202122232425262728292a2b2c2d2e2f"

static int add(ms_tls_keys *k, const char *line) {
  return ms_tls_keys_add_line(k, line, strlen(line));
}

static void keys_lines(void **state) {
  (void)state;
  ms_tls_keys *k = ms_tls_keys_new();
  assert_int_equal(add(k, "CLIENT_RANDOM " CR1 " " MS48), 1);
  assert_int_equal(add(k, "CLIENT_RANDOM " CR1 " " MS48 "\r\n"), 1);
  assert_int_equal(add(k, "  SERVER_TRAFFIC_SECRET_0\t" CR2 "  " MS48 "\n"), 1);
  assert_int_equal(add(k, "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR2 " 0a0b"), 1);
  assert_int_equal(add(k, "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR2 " " MS48), 1);
  assert_int_equal(add(k, "CLIENT_TRAFFIC_SECRET_0 " CR2 " " MS48), 1);
  assert_int_equal(add(k, "# SSL/TLS secrets log file"), 0);
  assert_int_equal(add(k, ""), 0);
  assert_int_equal(add(k, "   \r\n"), 0);
  assert_int_equal(add(k, "EXPORTER_SECRET " CR2 " " MS48), 0);
  assert_int_equal(add(k, "CLIENT_EARLY_TRAFFIC_SECRET " CR2 " " MS48), 0);
  assert_int_equal(add(k, "RSA 0102030405060708 " MS48), 0);
  assert_int_equal(add(k, "CLIENT_TRAFFIC_SECRET_1 " CR2 " " MS48), 0);
  /* malformed: nothing added */
  assert_int_equal(add(k, "CLIENT_RANDOM " CR1), -1);
  assert_int_equal(add(k, "CLIENT_RANDOM " CR1 " 0102"), -1); /* not 48 */
  assert_int_equal(add(k, "CLIENT_RANDOM 0102 " MS48), -1);
  assert_int_equal(add(k, "CLIENT_RANDOM " CR1 " " MS48 " extra"), -1);
  assert_int_equal(add(k, "CLIENT_RANDOM " CR1 "x " MS48), -1);
  assert_int_equal(add(k, "CLIENT_TRAFFIC_SECRET_0 " CR1 " 0g"), -1);
  assert_int_equal(add(k, "CLIENT_TRAFFIC_SECRET_0 " CR1 " 012"), -1);
  assert_int_equal(add(k, "CLIENT_TRAFFIC_SECRET_0 " CR1 " " MS48 MS48), -1);
  assert_int_equal(ms_tls_keys_count(k), 5);
  uint8_t cr1[32], cr2[32], out[64], want[48];
  unhex(CR1, cr1);
  unhex("aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899",
        cr2);
  unhex(MS48, want);
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_RANDOM, cr1, out), 48);
  assert_memory_equal(out, want, 48);
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_HS, cr2, out), 2);
  assert_int_equal(out[0], 0x0a);
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_SERVER_AP0, cr2, out), 48);
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_RANDOM, cr2, out), 0);
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_SERVER_AP0, cr1, out), 0);
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_LABELS, cr1, out), 0);
  /* the latest line for a key wins */
  assert_int_equal(add(k, "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR2 " ffee"), 1);
  assert_int_equal(ms_tls_keys_count(k), 5);
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_HS, cr2, out), 2);
  assert_int_equal(out[0], 0xff);
  ms_tls_keys_free(k);
  assert_int_equal(ms_tls_keys_count(NULL), 0);
  ms_tls_keys_free(NULL);
}

static void keys_many(void **state) {
  (void)state;
  ms_tls_keys *k = ms_tls_keys_new();
  char line[200];
  for (unsigned i = 0; i < 20000; i++) {
    snprintf(line, sizeof line, "CLIENT_RANDOM %064x %096x", i, i * 7u + 1);
    assert_int_equal(add(k, line), 1);
  }
  assert_int_equal(ms_tls_keys_count(k), 20000);
  uint8_t cr[32] = {0}, out[64];
  for (unsigned i = 0; i < 20000; i += 997) {
    cr[28] = (uint8_t)(i >> 24), cr[29] = (uint8_t)(i >> 16);
    cr[30] = (uint8_t)(i >> 8), cr[31] = (uint8_t)i;
    assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_RANDOM, cr, out),
                     48);
    unsigned v = i * 7u + 1;
    assert_int_equal(out[47], (uint8_t)v);
    assert_int_equal(out[46], (uint8_t)(v >> 8));
  }
  ms_tls_keys_free(k);
}

typedef struct {
  int calls;
  const char *line;
} reload_ctx;

static void reload_hook(void *ctx, ms_tls_keys *k) {
  reload_ctx *r = ctx;
  r->calls++;
  uint8_t cr[32], out[64];
  unhex(CR1, cr);
  /* a lookup from inside the hook does not call the hook again */
  ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_AP0, cr, out);
  if (r->line)
    add(k, r->line);
}

static void keys_reload(void **state) {
  (void)state;
  ms_tls_keys *k = ms_tls_keys_new();
  reload_ctx r = {0, NULL};
  ms_tls_keys_set_reload(k, reload_hook, &r);
  uint8_t cr[32], out[64];
  unhex(CR1, cr);
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_RANDOM, cr, out), 0);
  assert_int_equal(r.calls, 1);
  r.line = "CLIENT_RANDOM " CR1 " " MS48;
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_RANDOM, cr, out), 48);
  assert_int_equal(r.calls, 2);
  /* found at once: no reload */
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_RANDOM, cr, out), 48);
  assert_int_equal(r.calls, 2);
  ms_tls_keys_free(k);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(prf_tls12_vector),
      cmocka_unit_test(prf_tls10_vector),
      cmocka_unit_test(expand_label_rfc8448),
      cmocka_unit_test(records_rfc8448),
      cmocka_unit_test(records_rfc8448_in_place_and_damaged),
      cmocka_unit_test(new13_rejects),
      cmocka_unit_test(suites_supported),
      cmocka_unit_test(cbc_forged),
      cmocka_unit_test(keys_lines),
      cmocka_unit_test(keys_many),
      cmocka_unit_test(keys_reload),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
