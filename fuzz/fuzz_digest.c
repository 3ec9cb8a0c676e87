/* fuzz_digest.c - libFuzzer harness for the message layer's digests
 * (dissectors/digest.c), compared with OpenSSL's libcrypto.
 *
 * Byte 0 chooses: bit 0 md5 and bit 1 sha1 on the first stream, bit 2 sha1
 * on the second (then the two are hashed apart), bit 3 the EVP path
 * instead of the SHA extensions.  Bytes 1-2 split the rest into the two
 * streams (big-endian, modulo its length), byte 3 seeds the chunking:
 * both streams are fed in pieces through ms_hash_update2 and
 * ms_hash_update, as the message layer feeds an attachment beside its
 * message.  Every digest must equal libcrypto's of the whole stream.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "fuzz_common.h"

static void reference(const char *name, const uint8_t *p, size_t n, char *hex) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(n ? p : (const uint8_t *)"", n, md, &len,
                 EVP_get_digestbyname(name), NULL) != 1)
    fuzz_fail("libcrypto could not compute %s", name);
  for (unsigned i = 0; i < len; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Feed both streams in pieces chosen by r. */
static void feed(ms_hash *h, const uint8_t *p, size_t n, ms_hash *h2,
                 const uint8_t *p2, size_t n2, fuzz_rng *r) {
  size_t off = 0, off2 = 0;
  while (off < n || off2 < n2) {
    size_t step = fuzz_rng_chunk(r, 5000), step2 = fuzz_rng_chunk(r, 5000);
    step = step > n - off ? n - off : step;
    step2 = step2 > n2 - off2 ? n2 - off2 : step2;
    switch (fuzz_rng_next(r) % 5) {
    case 0:
      ms_hash_update(h, p + off, step), step2 = 0;
      break;
    case 1:
      ms_hash_update(h2, p2 + off2, step2), step = 0;
      break;
    default:
      ms_hash_update2(h, p + off, step, h2, p2 + off2, step2);
    }
    off += step, off2 += step2;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4)
    return 0;
  bool with_md5 = data[0] & 1, with_sha1 = data[0] & 2,
       second_sha1 = data[0] & 4;
  ms_hash_set_accelerated(!(data[0] & 8));
  const uint8_t *p = data + 4;
  size_t len = size - 4,
         split = len ? ((size_t)data[1] << 8 | data[2]) % len : 0;
  fuzz_rng r;
  fuzz_rng_seed(&r, data[3]);

  ms_hash *h = ms_hash_new(with_md5), *h2 = ms_hash_new(false);
  if (with_sha1)
    ms_hash_add_sha1(h);
  if (second_sha1)
    ms_hash_add_sha1(h2);
  feed(h, p, split, h2, p + split, len - split, &r);
  char md5[33] = "", sha1[41] = "", sha[65], sha1_2[41] = "", sha2[65];
  ms_hash_final3(h, with_md5 ? md5 : NULL, with_sha1 ? sha1 : NULL, sha);
  ms_hash_final3(h2, NULL, second_sha1 ? sha1_2 : NULL, sha2);

  char want[65];
  reference("SHA256", p, split, want);
  FUZZ_CHECK(!strcmp(sha, want), "sha256 %s, libcrypto %s", sha, want);
  reference("SHA256", p + split, len - split, want);
  FUZZ_CHECK(!strcmp(sha2, want), "second sha256 %s, libcrypto %s", sha2, want);
  if (with_md5) {
    reference("MD5", p, split, want);
    FUZZ_CHECK(!strcmp(md5, want), "md5 %s, libcrypto %s", md5, want);
  }
  if (with_sha1) {
    reference("SHA1", p, split, want);
    FUZZ_CHECK(!strcmp(sha1, want), "sha1 %s, libcrypto %s", sha1, want);
  }
  if (second_sha1) {
    reference("SHA1", p + split, len - split, want);
    FUZZ_CHECK(!strcmp(sha1_2, want), "second sha1 %s, libcrypto %s", sha1_2,
               want);
  }
  ms_hash_set_accelerated(true);
  return 0;
}
