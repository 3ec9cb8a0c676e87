/* dns.h - pure, bounds-checked decoding of one DNS message (RFC 1035).
 *
 * ms_dns_parse() reads the header, the first question and every resource
 * record, and keeps the records mail routing needs (class IN: A, AAAA,
 * CNAME, PTR, MX; MS_DNS_MAX_RR of them) in the caller's ms_dns_msg; the
 * others are walked over.  Names come out as text: lower-case ASCII, no
 * trailing dot ("." is the root), bytes other than letters, digits, '-',
 * '_' and '*' written "\DDD".  Compression pointers must point strictly
 * before the previous jump (RFC 1035 4.1.4: "a prior occurrence"): a
 * pointer forward, a loop, more than MS_DNS_MAX_HOPS jumps, a name over
 * 255 octets, a reserved label type, a record that runs past the message
 * or past its RDLENGTH each stop decoding with a named anomaly (the
 * records complete before it are kept).  Parsing allocates nothing.
 *
 * ms_dns_stream frames DNS over TCP (RFC 1035 4.2.2: a two-byte length
 * before each message) from the bytes of one direction; it holds at most
 * one message (64 KiB, as much as arrived) and stops at a gap.
 */
#ifndef MAILSCOPE_DNS_H
#define MAILSCOPE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_DNS_MAX_RR 64      /* records of interest kept per message */
#define MS_DNS_MAX_HOPS 32    /* compression jumps followed in one name */
#define MS_DNS_NAME_TEXT 1040 /* 255 wire octets, each "\DDD" at worst */

enum {
  MS_DNS_T_A = 1,
  MS_DNS_T_CNAME = 5,
  MS_DNS_T_PTR = 12,
  MS_DNS_T_MX = 15,
  MS_DNS_T_AAAA = 28
};

enum { MS_DNS_RCODE_NOERROR = 0, MS_DNS_RCODE_NXDOMAIN = 3 };

/* What can be wrong with a message: bits of ms_dns_msg.anomalies, named by
 * ms_dns_anomaly_name() (docs/anomalies.md "DNS messages"). */
typedef enum {
  MS_DNS_A_TRUNCATED = 0,   /* dns_truncated: ends inside a record */
  MS_DNS_A_POINTER_LOOP,    /* dns_pointer_loop */
  MS_DNS_A_FORWARD_POINTER, /* dns_forward_pointer */
  MS_DNS_A_POINTER_CHAIN,   /* dns_pointer_chain: > MS_DNS_MAX_HOPS */
  MS_DNS_A_NAME_TOO_LONG,   /* dns_name_too_long: > 255 octets */
  MS_DNS_A_BAD_LABEL,       /* dns_bad_label: label type 01 or 10 */
  MS_DNS_A_BAD_RDATA,       /* dns_bad_rdata: RDLENGTH wrong for the type */
  MS_DNS_A_TOO_MANY_RR,     /* dns_too_many_records: > MS_DNS_MAX_RR kept */
  MS_DNS_A_TCP_FRAME,       /* dns_tcp_frame: a TCP length under 12 */
  MS_DNS_A_COUNT
} ms_dns_anomaly;

const char *ms_dns_anomaly_name(ms_dns_anomaly a);

typedef enum {
  MS_DNS_S_ANSWER = 1,
  MS_DNS_S_AUTHORITY = 2,
  MS_DNS_S_ADDITIONAL = 3
} ms_dns_section;

typedef struct {
  char name[MS_DNS_NAME_TEXT]; /* owner */
  uint16_t type;
  uint8_t section; /* ms_dns_section */
  uint32_t ttl;    /* seconds; RFC 2181 8: top bit set reads as 0 */
  uint16_t pref;   /* MX preference */
  char target[MS_DNS_NAME_TEXT]; /* CNAME, PTR, MX exchange */
  uint8_t addr[16];              /* A: first 4 bytes; AAAA */
} ms_dns_rr;

typedef struct {
  uint16_t id;
  bool response; /* QR */
  bool tc;       /* truncated by the sender (retry over TCP follows) */
  uint8_t opcode, rcode;
  uint16_t qdcount, ancount, nscount, arcount;
  bool has_question;
  char qname[MS_DNS_NAME_TEXT];
  uint16_t qtype, qclass;
  ms_dns_rr rr[MS_DNS_MAX_RR];
  size_t nrr;
  unsigned anomalies;             /* 1 << ms_dns_anomaly */
  char scratch[MS_DNS_NAME_TEXT]; /* names of what is walked over */
} ms_dns_msg;

/* Decode the message p[0..n).  Returns false when not even the header and
 * question could be read (m->anomalies says why); true otherwise, with
 * m->anomalies set if the records stop early. */
bool ms_dns_parse(const uint8_t *p, size_t n, ms_dns_msg *m);

/* One name at off within the message; *next gets the offset after it in
 * place (past the first pointer).  Returns an ms_dns_anomaly, or -1 when
 * the name is good.  Exposed for the tests. */
int ms_dns_read_name(const uint8_t *msg, size_t n, size_t off, char *out,
                     size_t *next);

/* DNS over TCP, one direction. */
typedef void (*ms_dns_message_fn)(void *ctx, const uint8_t *p, size_t n,
                                  int64_t ts);

typedef struct {
  uint8_t *buf; /* the message being gathered, NULL when none */
  size_t cap, have, want;
  uint8_t len_bytes[2];
  int nlen;    /* length bytes seen of the next frame (0..2) */
  bool broken; /* a gap: nothing is framed any more */
  unsigned anomalies;
} ms_dns_stream;

/* Feed bytes (carried by a segment of time ts, microseconds); each
 * complete message goes to fn. */
void ms_dns_stream_data(ms_dns_stream *s, const uint8_t *p, size_t n,
                        int64_t ts, ms_dns_message_fn fn, void *ctx);
/* Bytes were lost: framing cannot be trusted again. */
void ms_dns_stream_gap(ms_dns_stream *s);
void ms_dns_stream_free(ms_dns_stream *s);

#endif
