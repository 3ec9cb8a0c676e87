/* crypto_cost.c - what decryption costs beside hashing, per byte.
 *
 *   crypto_cost [MEGABYTES]     (default 64)
 *
 * For each suite family mailscope decrypts, OpenSSL's libssl (the peer,
 * over memory BIOs: tests/unit/tls_loopback.h) writes 4 MB of application
 * data in full 16 KiB records; mailscope's own ms_tls_cipher_decrypt then
 * opens those records again and again until MEGABYTES have passed.  The
 * message layer's digests (dissectors/digest.c: sha256 of every message,
 * sha256 + md5 of every attachment) run over the same number of bytes.
 * Prints a markdown table: MB/s and ns per byte of each, best of 3 runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "tls_crypto.h"
#include "tls_loopback.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct {
  const char *name;
  int version;
  const char *ciphers;
  bool no_etm;
} suite_case;

static void report(const char *name, double bytes, double secs) {
  printf("| %s | %.0f | %.2f |\n", name, bytes / 1e6 / secs,
         secs * 1e9 / bytes);
}

/* The client's records of one session, decrypted until `total` bytes of
 * plaintext passed; returns the best seconds of 3. */
static double decrypt_cost(const lb_session *s, bool etm, double total,
                           double *bytes) {
  uint8_t master[64], secret[64], *out = malloc(1 << 15), inner;
  size_t n;
  ms_tls_keys *k = ms_tls_keys_new();
  for (const char *p = s->keylog; *p;) {
    const char *nl = strchr(p, '\n');
    ms_tls_keys_add_line(k, p, (size_t)(nl - p));
    p = nl + 1;
  }
  bool tls13 = s->version == TLS1_3_VERSION;
  size_t mlen =
      ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_RANDOM, s->client_random, master);
  size_t slen =
      ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_AP0, s->client_random, secret);
  /* the client's application data records: the big ones */
  double best = 1e9;
  for (int run = 0; run < 3; run++) {
    double t0 = now(), done = 0;
    while (done < total) {
      ms_tls_cipher *c =
          tls13 ? ms_tls_cipher_new13(s->suite, secret, slen)
                : ms_tls_cipher_new12(s->version, s->suite, master,
                                      s->client_random, s->server_random, false,
                                      etm);
      if (!c || (!tls13 && mlen != 48)) {
        fprintf(stderr, "crypto_cost: no cipher\n");
        exit(1);
      }
      /* TLS 1.2: every client record after its ChangeCipherSpec (the
       * Finished first); TLS 1.3: after its first protected record (the
       * Finished, under the handshake secret) */
      bool on = false, first13 = true;
      for (size_t i = 0; i < s->nrecs && done < total; i++) {
        const lb_record *r = &s->recs[i];
        if (r->dir != 0)
          continue;
        if (!tls13 && r->type == 20) {
          on = true;
          continue;
        }
        if (tls13 && r->type == 23 && first13) {
          first13 = false;
          on = true;
          continue;
        }
        if (!on)
          continue;
        if (ms_tls_cipher_decrypt(c, r->type, r->version, r->frag, r->len, out,
                                  &n, &inner) != MS_TLS_DEC_OK) {
          fprintf(stderr, "crypto_cost: a record did not open\n");
          exit(1);
        }
        if (inner == 23)
          done += (double)n;
      }
      ms_tls_cipher_free(c);
    }
    double t = now() - t0;
    *bytes = done;
    if (t < best)
      best = t;
  }
  ms_tls_keys_free(k);
  free(out);
  return best;
}

static double hash_cost(const uint8_t *p, size_t len, double total,
                        bool with_md5) {
  double best = 1e9;
  for (int run = 0; run < 3; run++) {
    double t0 = now();
    for (double done = 0; done < total; done += (double)len) {
      ms_hash *h = ms_hash_new(with_md5);
      ms_hash_update(h, p, len);
      char md5[33], sha[65];
      ms_hash_final(h, with_md5 ? md5 : NULL, sha);
    }
    double t = now() - t0;
    if (t < best)
      best = t;
  }
  return best;
}

int main(int argc, char **argv) {
  double total = (argc > 1 ? atof(argv[1]) : 64) * 1e6;
  static const suite_case cases[] = {
      {"TLS 1.3 AES-128-GCM", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", 0},
      {"TLS 1.3 AES-256-GCM", TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", 0},
      {"TLS 1.3 ChaCha20-Poly1305", TLS1_3_VERSION,
       "TLS_CHACHA20_POLY1305_SHA256", 0},
      {"TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256", TLS1_2_VERSION,
       "ECDHE-RSA-AES128-GCM-SHA256", 0},
      {"TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305", TLS1_2_VERSION,
       "ECDHE-RSA-CHACHA20-POLY1305", 0},
      {"TLS 1.2 ECDHE-RSA-AES128-SHA256, encrypt_then_mac", TLS1_2_VERSION,
       "ECDHE-RSA-AES128-SHA256", 0},
      {"TLS 1.2 ECDHE-RSA-AES128-SHA256, MAC then encrypt", TLS1_2_VERSION,
       "ECDHE-RSA-AES128-SHA256", 1},
      {"TLS 1.2 AES256-SHA, MAC then encrypt", TLS1_2_VERSION, "AES256-SHA", 1},
  };
  size_t len = 4 << 20;
  uint8_t *data = malloc(len);
  for (size_t i = 0; i < len; i++)
    data[i] = (uint8_t)(i * 2654435761u >> 13);
  printf("| work | MB/s | ns per byte |\n|---|---|---|\n");
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    static lb_session s;
    lb_params p = {.version = cases[i].version,
                   .ciphers = cases[i].ciphers,
                   .no_etm = cases[i].no_etm,
                   .up = data,
                   .up_len = len};
    if (!lb_run(&s, &p)) {
      fprintf(stderr, "crypto_cost: %s: libssl failed\n", cases[i].name);
      return 1;
    }
    double bytes = 0, secs = decrypt_cost(&s, !cases[i].no_etm, total, &bytes);
    char name[128];
    snprintf(name, sizeof name, "decrypt %s", cases[i].name);
    report(name, bytes, secs);
    lb_free(&s);
  }
  ms_hash_set_accelerated(true);
  report("sha256 (every message)", total, hash_cost(data, len, total, false));
  report("sha256 + md5 (every attachment)", total,
         hash_cost(data, len, total, true));
  free(data);
  return 0;
}
