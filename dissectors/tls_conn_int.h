/* tls_conn_int.h - the TLS connection's state, shared by the files that
 * decode it: tls_conn.c (records, encryption switches, completion, the
 * public API of tls.h) and tls_msg.c (the handshake messages).  Not a
 * public header. */
#ifndef MAILSCOPE_TLS_CONN_INT_H
#define MAILSCOPE_TLS_CONN_INT_H

#include "tls.h"
#include "tls_handshake.h"
#include "tls_hello.h"
#include "tls_records.h"

typedef struct {
  tls_record_reader rr;
  tls_hs_reader hs;
  bool encrypted;             /* its records are protected now */
  void *prot;                 /* decrypting state (hooks.protection), or NULL */
  int pending_epoch;          /* -1, or an ms_tls_epoch to switch to after the
                                 current record */
  uint64_t encrypted_records; /* protected records since the switch */
  bool malformed;             /* tls_malformed raised for this direction */
  bool decrypt_failed;        /* tls_decrypt_failed raised for it */
  bool said;                  /* hooks.decrypting called for it */
  uint8_t *plain;             /* decryption output */
  size_t plain_cap;
} tls_side;

struct ms_tls_conn {
  ms_session *rec;
  ms_tls_info *info; /* rec->tls_info */
  ms_tls_hooks hooks;
  tls_side side[2];
  tls_session_id client_sid;
  bool tls13;            /* the ServerHello chose TLS 1.3 */
  bool server_hello;     /* a (non-retry) ServerHello was decoded */
  bool server_sent_keys; /* Certificate or ServerKeyExchange (full
                            handshake, TLS <= 1.2) */
  bool failure_reported; /* tls_handshake_failed raised */
  bool too_long_reported;
  bool closed;
  ms_ts now; /* of the chunk being decoded */
};

/* tls_msg.c: one handshake message of `dir` (decrypted: it came out of
 * the record protection). */
void tls_msg_handle(ms_tls_conn *c, ms_dir dir, uint8_t type,
                    const uint8_t *body, size_t len, ms_ts ts, bool decrypted);
/* tls_msg.c: an SSLv2-format record (a first CLIENT-HELLO or SERVER-HELLO). */
void tls_msg_sslv2(ms_tls_conn *c, ms_dir dir, const uint8_t *body, size_t len,
                   ms_ts ts);
/* tls_conn.c: the direction switches to protected records (asks the
 * protection hook for its keys). */
void tls_conn_protect(ms_tls_conn *c, ms_dir dir, ms_tls_epoch epoch);
/* tls_conn.c: `tls_malformed` once per direction, the detail formatted. */
void tls_conn_malformed(ms_tls_conn *c, ms_dir dir, ms_ts ts, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));
/* tls_conn.c: one Zeek ssl_history letter (client's in capitals). */
void tls_conn_history(ms_tls_conn *c, ms_dir dir, char letter);
/* tls_conn.c: judge whether the handshake is complete now. */
void tls_conn_check_done(ms_tls_conn *c, ms_ts ts);

#endif
