/* route.c - release and names of the route record (see route.h). */
#include "route.h"

#include <stdlib.h>

ms_route *ms_route_new(void) {
  ms_route *r = xcalloc(1, sizeof *r);
  r->helo_forward = -1;
  return r;
}

static void addrs_free(ms_route_addrs *a) {
  strvec_free(&a->chain);
  strvec_free(&a->addresses);
}

void ms_route_free(ms_route *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->domains.len; i++) {
    ms_route_domain *d = &r->domains.items[i];
    free(d->domain);
    free(d->mx_host);
    for (size_t j = 0; j < d->mx.len; j++) {
      free(d->mx.items[j].host);
      addrs_free(&d->mx.items[j].addrs);
    }
    vec_free(&d->mx);
    addrs_free(&d->self);
  }
  vec_free(&r->domains);
  strvec_free(&r->ptr);
  free(r);
}

const char *ms_route_verdict_name(ms_route_verdict v) {
  static const char *const n[] = {"unknown", "mx", "implicit_mx", "not_mx"};
  return (unsigned)v < 4 ? n[v] : "unknown";
}

const char *ms_dns_result_name(ms_dns_result r) {
  static const char *const n[] = {"unseen", "answered", "nodata", "nxdomain"};
  return (unsigned)r < 4 ? n[r] : "unseen";
}

const char *ms_helo_check_name(ms_helo_check h) {
  static const char *const n[] = {"unknown", "match", "mismatch", "no_ptr",
                                  "literal"};
  return (unsigned)h < 5 ? n[h] : "unknown";
}
