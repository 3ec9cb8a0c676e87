/* filter.h - the user's -f capture filter as an object.
 *
 * The expression is compiled once for raw IP (IPv4 and IPv6), so it is
 * applied to the IP packet after the link layer, any VLAN tags and tunnel
 * headers are taken off: `tcp port 25` matches tagged, fragmented (once
 * reassembled) and tunnelled packets alike.  The engine owns the object
 * and asks it about each IP packet; nothing here is global.
 */
#ifndef MAILSCOPE_FILTER_H
#define MAILSCOPE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ms_filter ms_filter;

/* Compiles `expr`.  Returns NULL after printing "mailscope: bad filter ..."
 * when it does not compile (or memory ran out). */
ms_filter *ms_filter_compile(const char *expr);
/* True when the IP packet of `len` bytes at `ip` matches; a NULL filter
 * accepts everything. */
bool ms_filter_accepts(const ms_filter *f, const uint8_t *ip, size_t len);
void ms_filter_free(ms_filter *f);

#endif
