/* session_int.h - the session table's private types (session.c and
 * session_tls.c): a connection, what it holds while its protocol is
 * unknown, the table.  Not for other files. */
#ifndef MAILSCOPE_SESSION_INT_H
#define MAILSCOPE_SESSION_INT_H

#include "budget.h"
#include "dissector.h"
#include "dns.h"
#include "dnsobs.h"
#include "reassembly.h"
#include "session.h"
#include "starttls_memory.h"
#include "tls_layer.h"

#define DETECT_MAX 4096     /* bytes buffered while the protocol is unknown */
#define DETECT_CHUNKS 32    /* segments buffered while it is unknown */
#define DROPPED_MEMORY 4096 /* flows remembered as dropped (counted once) */
/* After both FINs or an RST a connection lingers this long (packet time,
 * like Zeek's tcp_close_delay and tcp_reset_delay) before it is reported:
 * the last ACK, retransmitted FINs and RSTs still belong to it. */
#define LINGER_USEC 5000000
_Static_assert(LINGER_USEC <= MS_DNS_KEEP_AFTER, "routes judged at report");
typedef enum {
  CONN_DETECT,   /* waiting for the server's greeting */
  CONN_ACTIVE,   /* feeding the dissector (a direction may be TLS) */
  CONN_COUNTING, /* dissector stopped (both directions TLS and opaque, or
                    not the protocol): only count bytes */
  CONN_IGNORED,  /* not mail: only track to stay cheap */
  CONN_DNS       /* DNS over TCP: messages to the DNS path (dnsobs.h) */
} conn_state;

/* What a direction's bytes are (the bytes decide, not the port). */
enum {
  DIR_UNSEEN = 0, /* no byte yet: its first ones decide */
  DIR_PLAIN,      /* the protocol's: to the dissector */
  DIR_TLS         /* TLS records: to the TLS layer (tls_bytes) */
};

/* The activity lists of the table (see ms_table.lru). */
enum {
  LRU_MAIL = 0,
  LRU_NOT_MAIL = 1,
  LRU_NO_PAYLOAD = 2,
  LRU_CLOSED = 3, /* over, lingering (LINGER_USEC) to count late packets */
  LRU_LISTS = 4
};

/* What arrived while the protocol is unknown: each direction's bytes
 * contiguous (to read the greeting) and the chunks in arrival order (to
 * replay them as on the wire). */
struct held {
  uint8_t *bytes[2];
  size_t len[2];
  struct {
    ms_dir dir;
    uint32_t len;
    ms_ts ts;
  } chunk[DETECT_CHUNKS];
  int nchunks;
};

typedef struct conn conn;
struct conn { /* pointers and counters first, then the small fields: no
                holes (344 bytes) */
  conn *hash_next;
  conn *lru_prev, *lru_next;
  uint64_t hash;
  ms_half half[2];
  ms_session *rec;
  const ms_dissector *dissector;
  void *dstate;
  struct held *held; /* bytes held during detection, NULL otherwise */
  ms_tls_layer *tls; /* once a direction is TLS, or NULL */
  ms_table *table;   /* for the TLS layer's callbacks */
  ms_ts last_ts;     /* time of its last packet */
  ms_ts seen;        /* the table's clock at its last packet (idle checks) */
  uint64_t first_packet; /* index of the packet that created it */
  ms_dns_stream *dns;    /* CONN_DNS: one framer per direction */
  /* what it costs the memory budget, as last charged (see recharge) */
  size_t charged, charged_reasm;
  int lru_list; /* index in ms_table.lru */
  int ip_version;
  conn_state state;
  uint8_t addr[2][16]; /* indexed by ms_dir */
  uint16_t port[2];
  /* TCP windows: each side's window scale option (shift + 1, 0 none) and
   * the largest window it advertised, scaled (at most 2^30) */
  uint32_t max_window[2];
  uint8_t wscale[2];
  bool fin[2];
  bool had_payload; /* bytes were delivered */
  bool saw_payload; /* a segment with payload arrived */
  bool truncated;   /* reassembly limit hit (counted once) */
  bool closed;      /* over (FINs, RST): decoded, lingering until reported */
  uint8_t dir[2];   /* DIR_* of each direction (ms_dir) */
  bool opaque[2];   /* the TLS layer said MS_TLS_OPAQUE */
};

struct ms_table {
  const ms_options *opt;
  ms_session_done_fn done;
  void *ctx;
  ms_stats *stats;
  conn **buckets;
  size_t nbuckets, count;
  /* Least recently active first, on three lists (see lru_list_of): when
   * the table is full, connections found not to be mail go first, then
   * those that never carried a byte (a SYN flood's half-open ones). */
  struct {
    conn *head, *tail;
  } lru[LRU_LISTS];
  /* the latest packet time seen: idle checks run on it, so that input whose
   * time goes back (a second, older capture file) neither expires sessions
   * nor keeps the least-recently-active lists out of order, and every
   * worker (which sees every packet's time) expires exactly what one
   * process would */
  ms_ts clock;
  uint64_t packet_index; /* TCP segments seen, the same on every worker */
  bool warned_full;
  uint64_t dropped_flows[DROPPED_MEMORY]; /* flow hash + 1, 0: empty */
  ms_dissect_config dcfg;
  ms_dnsobs *dns;    /* where DNS over TCP goes; NULL: port 53 is not DNS */
  ms_budget *budget; /* NULL: no memory bound */
  ms_starttls_memory *starttls; /* what sessions said of each server */
  ms_tls_keys *keys;            /* TLS secrets, or NULL (ms_table_set_keys) */
};

/* The dissector's state of c, made on first use (session.c). */
void *dissector_state(ms_table *t, conn *c);

#endif
