/* routing.h - judges an SMTP session's route from the DNS answers of the
 * capture (dnscache.h) when the session ends, and fills ms_session.route
 * (dissectors/model/route.h) and the routing anomalies (docs/anomalies.md
 * "Mail routing").  The server side counts the answers seen before the
 * session began (they are what led to it); the client's PTR, which the
 * receiving server looks up once the client is connected, counts until
 * the session ended.
 */
#ifndef MAILSCOPE_ROUTING_H
#define MAILSCOPE_ROUTING_H

#include "dnscache.h"
#include "record.h"

/* Recipient domains judged per session; more are left out. */
#define MS_ROUTE_MAX_DOMAINS 32
/* A better MX "answered in the same minute": its addresses were seen
 * this long before the session (microseconds). */
#define MS_ROUTE_SAME_MINUTE (60 * 1000000LL)

void ms_route_decide(const ms_dnscache *c, ms_session *s);

#endif
