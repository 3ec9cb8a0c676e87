/* route.h - how an SMTP session's mail was routed, as the DNS answers of
 * the capture tell it (docs/json.md "route").
 *
 * Filled by src/flow/route.c when the session ends, from the answers seen
 * before it (the client's PTR: before its end); emitters only read it.
 * ms_session.route is NULL when no DNS answer about the session's
 * recipient domains or client address was seen.  Every string is owned
 * and freed by ms_route_free().
 */
#ifndef MAILSCOPE_ROUTE_H
#define MAILSCOPE_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "vec.h"

/* The verdict on the server address, for one domain and for the session. */
typedef enum {
  MS_ROUTE_UNKNOWN = 0, /* no DNS answer for the domain seen (or the
                           addresses of its MX hosts were not seen) */
  MS_ROUTE_MX,          /* an address of a listed MX host */
  MS_ROUTE_IMPLICIT_MX, /* no MX: an address of the domain itself
                           (RFC 5321 5.1) */
  MS_ROUTE_NOT_MX       /* DNS for the domain was seen and the server
                           address is not among its answers */
} ms_route_verdict;

/* What the MX lookup of a domain said. */
typedef enum {
  MS_DNSR_UNSEEN = 0, /* no answer seen */
  MS_DNSR_ANSWERED,   /* records came */
  MS_DNSR_NODATA,     /* the name exists, no record of that type */
  MS_DNSR_NXDOMAIN    /* the name does not exist */
} ms_dns_result;

/* A name resolved to addresses: the CNAMEs followed, then A/AAAA. */
typedef struct {
  strvec chain;     /* CNAME targets in order (empty: none) */
  strvec addresses; /* printable, of the last name of the chain */
  bool seen;        /* an A or AAAA answer (even empty) was seen */
} ms_route_addrs;

typedef struct {
  uint16_t preference;
  char *host;           /* the exchange, lower case, no trailing dot */
  ms_route_addrs addrs; /* where it led */
  bool server;          /* the session's server is among the addresses */
} ms_route_mx;

typedef struct {
  char *domain; /* recipient domain, lower case */
  ms_dns_result mx_result;
  bool null_mx;        /* a single MX "." (RFC 7505): no mail wanted */
  VEC(ms_route_mx) mx; /* by preference, then name */
  ms_route_addrs self; /* A/AAAA of the domain itself (implicit MX) */
  ms_route_verdict verdict;
  int preference; /* verdict mx: of the MX whose address it is */
  char *mx_host;  /* verdict mx: that MX host */
} ms_route_domain;

/* HELO/EHLO against the client's reverse DNS. */
typedef enum {
  MS_HELO_UNKNOWN = 0, /* no PTR answer or no HELO seen */
  MS_HELO_MATCH,       /* HELO is one of the PTR names */
  MS_HELO_MISMATCH,    /* PTR names were seen, HELO is none of them */
  MS_HELO_NO_PTR,      /* the PTR lookup answered no name */
  MS_HELO_LITERAL      /* HELO is an address literal: nothing to match */
} ms_helo_check;

typedef struct ms_route {
  VEC(ms_route_domain) domains;
  ms_route_verdict verdict; /* the session's: not_mx if any domain says so,
                               else mx, implicit_mx, unknown, in that order */
  bool submission; /* port 587/465 or a successful AUTH: mail handed to a
                      submission server, not an MX delivery (no
                      delivery_not_mx) */
  /* the client */
  ms_dns_result ptr_result;
  strvec ptr; /* PTR names of the client address */
  ms_helo_check helo;
  int helo_forward; /* the HELO name's A/AAAA hold the client address:
                       1 yes, 0 no, -1 not seen */
} ms_route;

ms_route *ms_route_new(void);
void ms_route_free(ms_route *r);
/* Names for the emitters: "mx", "implicit_mx", "not_mx", "unknown";
 * "unseen", "answered", "nodata", "nxdomain"; "match", "mismatch",
 * "no_ptr", "literal", "unknown". */
const char *ms_route_verdict_name(ms_route_verdict v);
const char *ms_dns_result_name(ms_dns_result r);
const char *ms_helo_check_name(ms_helo_check h);

#endif
