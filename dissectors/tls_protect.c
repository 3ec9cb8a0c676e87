/* tls_protect.c - the key store as the TLS decoder's record protection
 * (tls_protect.h). */
#include "tls_protect.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>

#include "vec.h"

struct ms_tls_protect {
  ms_tls_protection hooks; /* ctx: this struct */
  ms_tls_keys *keys;
  ms_session *rec;
  bool said_no_key, said_suite;
};

static void no_key(ms_tls_protect *p, const ms_tls_switch *sw) {
  if (p->said_no_key)
    return;
  p->said_no_key = true;
  char hex[65];
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", sw->client_random[i]);
  ms_add_anomaly(p->rec, "tls_no_key", sw->ts,
                 "no key for client random %s: the %s is not decrypted", hex,
                 sw->dir == MS_CLIENT ? "client" : "server");
}

/* The key log label of a TLS 1.3 switch. */
static ms_tls_key_label label13(const ms_tls_switch *sw) {
  bool client = sw->dir == MS_CLIENT;
  if (sw->epoch == MS_TLS_EPOCH_HANDSHAKE)
    return client ? MS_TLS_KEY_CLIENT_HS : MS_TLS_KEY_SERVER_HS;
  return client ? MS_TLS_KEY_CLIENT_AP0 : MS_TLS_KEY_SERVER_AP0;
}

static void *start(void *ctx, const ms_tls_switch *sw, void *previous) {
  ms_tls_protect *p = ctx;
  if (sw->epoch == MS_TLS_EPOCH_KEY_UPDATE)
    return previous && ms_tls_cipher_key_update(previous) ? previous : NULL;
  if (!ms_tls_suite_supported(sw->version, sw->suite)) {
    if (!p->said_suite)
      ms_add_anomaly(p->rec, "tls_cannot_decrypt", sw->ts,
                     "cannot decrypt cipher suite 0x%04x (%s)", sw->suite,
                     ms_tls_version_name(sw->version));
    p->said_suite = true;
    return NULL;
  }
  bool tls12 = sw->epoch == MS_TLS_EPOCH_12;
  uint8_t secret[64];
  size_t len =
      ms_tls_keys_find(p->keys, tls12 ? MS_TLS_KEY_CLIENT_RANDOM : label13(sw),
                       sw->client_random, secret);
  ms_tls_cipher *c = NULL;
  if (!len || (tls12 && len != 48))
    no_key(p, sw);
  else if (tls12)
    c = ms_tls_cipher_new12(sw->version, sw->suite, secret, sw->client_random,
                            sw->server_random, sw->dir == MS_SERVER,
                            sw->encrypt_then_mac);
  else
    c = ms_tls_cipher_new13(sw->suite, secret, len);
  OPENSSL_cleanse(secret, sizeof secret);
  return c;
}

static ms_tls_dec_status decrypt(void *state, uint8_t type, uint16_t version,
                                 const uint8_t *in, size_t n, uint8_t *out,
                                 size_t *out_len, uint8_t *inner_type) {
  return ms_tls_cipher_decrypt(state, type, version, in, n, out, out_len,
                               inner_type);
}

static void free_state(void *state) { ms_tls_cipher_free(state); }

ms_tls_protect *ms_tls_protect_new(ms_tls_keys *keys, ms_session *rec) {
  ms_tls_protect *p = xcalloc(1, sizeof *p);
  p->hooks.start = start;
  p->hooks.decrypt = decrypt;
  p->hooks.free = free_state;
  p->hooks.ctx = p;
  p->keys = keys;
  p->rec = rec;
  return p;
}

const ms_tls_protection *ms_tls_protect_hooks(const ms_tls_protect *p) {
  return &p->hooks;
}

void ms_tls_protect_free(ms_tls_protect *p) { free(p); }
