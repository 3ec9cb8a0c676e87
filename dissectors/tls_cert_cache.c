/* tls_cert_cache.c - recently seen certificate summaries (tls_cert_cache.h).
 */
#include "tls_cert_cache.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  uint8_t *der; /* NULL: the slot is empty */
  size_t der_len;
  uint64_t key; /* FNV-1a of the DER, checked before the bytes */
  ms_tls_cert summary;
} cache_entry;

static cache_entry entries[MS_TLS_CERT_CACHE_ENTRIES];
static size_t next_slot; /* the oldest entry: replaced next */

static uint64_t der_key(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 1099511628211ull;
  return h ^ n;
}

static cache_entry *find(const uint8_t *der, size_t n, uint64_t key) {
  for (size_t i = 0; i < MS_TLS_CERT_CACHE_ENTRIES; i++) {
    cache_entry *e = &entries[i];
    if (e->der && e->key == key && e->der_len == n &&
        memcmp(e->der, der, n) == 0)
      return e;
  }
  return NULL;
}

bool tls_cert_cache_get(ms_tls_cert *c, const uint8_t *der, size_t n) {
  if (n > MS_TLS_CERT_CACHE_MAX_DER)
    return false;
  const cache_entry *e = find(der, n, der_key(der, n));
  if (!e)
    return false;
  ms_tls_cert_copy(c, &e->summary);
  return true;
}

static void entry_clear(cache_entry *e) {
  free(e->der);
  ms_tls_cert_clear(&e->summary);
  memset(e, 0, sizeof *e);
}

void tls_cert_cache_put(const ms_tls_cert *c, const uint8_t *der, size_t n) {
  if (n > MS_TLS_CERT_CACHE_MAX_DER)
    return;
  uint64_t key = der_key(der, n);
  if (find(der, n, key))
    return;
  cache_entry *e = &entries[next_slot];
  next_slot = (next_slot + 1) % MS_TLS_CERT_CACHE_ENTRIES;
  entry_clear(e);
  e->der = xmalloc(n ? n : 1);
  memcpy(e->der, der, n);
  e->der_len = n;
  e->key = key;
  ms_tls_cert_copy(&e->summary, c);
}

void tls_cert_cache_clear(void) {
  for (size_t i = 0; i < MS_TLS_CERT_CACHE_ENTRIES; i++)
    entry_clear(&entries[i]);
  next_slot = 0;
}
