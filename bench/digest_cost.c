/* digest_cost.c - what the message layer's digests cost per byte.
 *
 *   digest_cost [MEGABYTES]     (default 256)
 *
 * Each combination dissectors/digest.c computes (sha256 of a message;
 * md5, sha1 and sha256 of an attachment, with the message's sha256 beside
 * it in the same pass), on the SHA-extension path and on OpenSSL's EVP,
 * over MEGABYTES of 64 KiB pieces; and OpenSSL's sha1 alone (what the
 * attachments' sha1 cost before digest.c computed it).  CPU time of the
 * process (the machine is shared), best of 5; prints a markdown table of
 * ns per byte. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "digest.h"

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

enum { MD5 = 1, SHA1 = 2, SECOND = 4, EVP_SHA1_ONLY = 8 };

static void one_pass(const uint8_t *p, size_t len, int what) {
  if (what & EVP_SHA1_ONLY) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n;
    EVP_Digest(p, len, md, &n, EVP_sha1(), NULL);
    return;
  }
  ms_hash *h = ms_hash_new(what & MD5), *h2 = ms_hash_new(false);
  if (what & SHA1)
    ms_hash_add_sha1(h);
  if (what & SECOND)
    ms_hash_update2(h, p, len, h2, p + 7, len);
  else
    ms_hash_update(h, p, len);
  char md5[33], sha1[41], sha[65], sha2[65];
  ms_hash_final3(h, md5, sha1, sha);
  ms_hash_final(h2, NULL, sha2);
}

/* ns per byte of the first stream, best of 5. */
static double cost(const uint8_t *p, size_t len, double total, int what) {
  double best = 1e9;
  for (int run = 0; run < 5; run++) {
    double t0 = cpu_now();
    for (double done = 0; done < total; done += (double)len)
      one_pass(p, len, what);
    double t = cpu_now() - t0;
    best = t < best ? t : best;
  }
  return best * 1e9 / total;
}

int main(int argc, char **argv) {
  double total = (argc > 1 ? atof(argv[1]) : 256) * 1e6;
  size_t len = 64 << 10;
  uint8_t *data = malloc(len + 64);
  for (size_t i = 0; i < len + 64; i++)
    data[i] = (uint8_t)(i * 2654435761u >> 13);
  static const struct {
    const char *name;
    int what;
  } rows[] = {
      {"sha256", 0},
      {"md5 + sha256", MD5},
      {"md5 + sha1 + sha256", MD5 | SHA1},
      {"md5 + sha256, a second sha256 beside", MD5 | SECOND},
      {"md5 + sha1 + sha256, a second sha256 beside", MD5 | SHA1 | SECOND},
  };
  printf("| digests | SHA extensions, ns/byte | EVP, ns/byte |\n"
         "|---|---|---|\n");
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    ms_hash_set_accelerated(true);
    double fast = cost(data, len, total, rows[i].what);
    ms_hash_set_accelerated(false);
    double evp = cost(data, len, total, rows[i].what);
    printf("| %s | %.3f | %.3f |\n", rows[i].name, fast, evp);
  }
  printf("| OpenSSL sha1 alone | | %.3f |\n",
         cost(data, len, total, EVP_SHA1_ONLY));
  ms_hash_set_accelerated(true);
  free(data);
  return 0;
}
