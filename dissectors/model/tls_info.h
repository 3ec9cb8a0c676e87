/* tls_info.h - the TLS part of the session record (record.h holds a
 * pointer to one: ms_session.tls_info, NULL when no TLS byte was decoded).
 *
 * The TLS decoder (dissectors/tls*.c) fills it; emitters only read it.
 * Everything here was seen on the wire: the client's offer (ClientHello),
 * the server's choice (ServerHello), the certificates where they travel in
 * clear (TLS <= 1.2; TLS 1.3 encrypts them: certs_hidden), the alerts, the
 * fingerprints computed from the hellos (JA3, JA3S, JA4), and whether the
 * handshake completed.  Lists of numbers (cipher suites, extensions,
 * groups...) keep the wire order and the GREASE values (RFC 8701); the
 * fingerprints leave GREASE out as their specifications say.  docs/json.md
 * ("tls_handshake") and docs/tls.md document every field.
 */
#ifndef MAILSCOPE_TLS_INFO_H
#define MAILSCOPE_TLS_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "vec.h"

typedef int64_t ms_tls_ts; /* microseconds since the epoch, as ms_ts */

typedef VEC(uint16_t) ms_u16vec;

/* Certificates summarised per chain, and names kept per certificate;
 * more are counted (record_limit). */
#define MS_TLS_MAX_CERTS 10
#define MS_TLS_MAX_NAMES 100
/* Alerts kept per session (a peer can send many warnings). */
#define MS_TLS_MAX_ALERTS 32
/* Longest handshake message decoded; a longer one is skipped
 * (tls_message_too_long).  Certificate chains are the large ones. */
#define MS_TLS_MAX_MESSAGE (256u * 1024u)
/* Zeek's ssl_history is cut at 100 letters; so is ours. */
#define MS_TLS_MAX_HISTORY 100

/* One X.509 certificate, summarised from its DER by OpenSSL. */
typedef struct {
  bool parsed;       /* false: d2i_X509 refused the bytes (error set) */
  char *error;       /* why it could not be parsed, or NULL */
  uint32_t der_len;  /* bytes of the DER encoding */
  char sha256[65];   /* of the DER, lower-case hex */
  char sha1[41];     /* of the DER, lower-case hex */
  int version;       /* 1..3 */
  char *serial;      /* upper-case hex, as Zeek writes it */
  char *subject;     /* RFC 2253 one-line form (most specific first) */
  char *issuer;      /* RFC 2253 */
  char *subject_cn;  /* first commonName, or NULL */
  char *subject_org; /* first organizationName, or NULL */
  char *issuer_cn;   /* NULL when absent */
  char *issuer_org;  /* NULL when absent */
  bool has_validity; /* notBefore/notAfter could be read */
  ms_tls_ts not_before, not_after;
  char *key_alg;  /* OpenSSL's long name: "rsaEncryption" */
  char *key_type; /* "rsa", "ec", "dsa", "ed25519", "ed448", ... */
  int key_bits;   /* 0 when unknown */
  char *curve;    /* EC keys: "prime256v1", ...; else NULL */
  char *exponent; /* RSA keys: decimal, e.g. "65537"; else NULL */
  char *sig_alg;  /* "sha256WithRSAEncryption" */
  strvec san_dns, san_ip, san_email, san_uri; /* at most MS_TLS_MAX_NAMES */
  bool has_basic_constraints;
  bool ca;
  int path_len;     /* -1: no pathLenConstraint */
  bool self_issued; /* subject equals issuer */
  bool self_signed; /* self-issued and its own key verifies it */
} ms_tls_cert;

/* The client's offer, from its (first) ClientHello. */
typedef struct {
  bool present;
  bool sslv2; /* SSLv2-compatible ClientHello (RFC 5246 E.2) */
  ms_tls_ts ts;
  uint16_t record_version; /* of the record that carried it (0: SSLv2) */
  uint16_t version;        /* legacy_version / client_version */
  uint8_t random[32];
  bool session_id;               /* a non-empty session id was offered */
  ms_u16vec supported_versions;  /* extension 43, in order */
  ms_u16vec cipher_suites;       /* in order (SSLv2: the 2-byte ones) */
  VEC(uint8_t) compression;      /* compression methods */
  ms_u16vec extensions;          /* types, in order */
  char *server_name;             /* SNI host_name (the first), or NULL */
  strvec alpn;                   /* protocol names, in order */
  uint8_t alpn_first_ends[2];    /* first and last byte of the first one */
  uint16_t alpn_first_len;       /* (JA4 reads those; names may hold NULs) */
  ms_u16vec groups;              /* supported_groups (10) */
  VEC(uint8_t) ec_point_formats; /* ec_point_formats (11) */
  ms_u16vec sig_algs;            /* signature_algorithms (13) */
  ms_u16vec key_share_groups;    /* key_share (51) entries' groups */
  char ja3[33];                  /* md5 hex of ja3_string */
  char *ja3_string;
  char ja4[37]; /* t13d1516h2_8daaf6152771_e5627efa2ab1 */
  char *ja4_r;  /* the raw (sorted) JA4 string */
} ms_tls_client_hello;

/* The server's choice, from its ServerHello. */
typedef struct {
  bool present;
  ms_tls_ts ts;
  uint16_t legacy_version; /* the hello's version field */
  uint16_t version;        /* negotiated: supported_versions if present */
  uint16_t cipher_suite;
  const char *cipher_name; /* static IANA name, or NULL when unknown */
  uint8_t compression;
  uint8_t random[32];
  bool session_id_echoed; /* the client's session id came back (resumed) */
  ms_u16vec extensions;   /* types, in order */
  char *alpn;             /* the protocol it selected, or NULL */
  uint16_t group;         /* key_share group (TLS 1.3) or the ECDHE curve
                             of its ServerKeyExchange; 0: none seen */
  bool encrypt_then_mac;  /* extension 22 (RFC 7366) */
  bool hello_retry;       /* a HelloRetryRequest came before it */
  char ja3s[33];
  char *ja3s_string;
} ms_tls_server_hello;

typedef struct {
  ms_tls_ts ts;
  uint8_t dir;    /* ms_dir of the sender */
  bool encrypted; /* sent after ChangeCipherSpec: level and
                     description are not visible */
  uint8_t level;  /* 1 warning, 2 fatal */
  uint8_t description;
} ms_tls_alert;

typedef enum {
  MS_TLS_NOT_DONE = 0,  /* not (yet) complete */
  MS_TLS_DONE_FINISHED, /* both Finished seen (encrypted handshake records
                           after each side's ChangeCipherSpec) */
  MS_TLS_DONE_TRAFFIC,  /* TLS 1.3 without keys: encrypted records both
                           ways after the client's second flight */
  MS_TLS_DONE_DECRYPTED /* both Finished decrypted */
} ms_tls_completion;

typedef struct ms_tls_info {
  ms_tls_ts ts; /* first TLS byte */
  ms_tls_client_hello client;
  ms_tls_server_hello server;
  VEC(ms_tls_cert) server_certs; /* as sent: the server's own first */
  VEC(ms_tls_cert) client_certs;
  uint32_t certs_dropped; /* beyond MS_TLS_MAX_CERTS */
  /* TLS 1.3: the Certificate travels in the encrypted handshake; without
   * the session's keys it cannot be seen. */
  bool certs_hidden;
  bool client_cert_requested; /* CertificateRequest seen */
  VEC(ms_tls_alert) alerts;
  uint32_t alerts_dropped;
  bool ccs[2];             /* ChangeCipherSpec seen, per ms_dir */
  bool finished[2];        /* Finished (encrypted or decrypted) */
  uint64_t app_records[2]; /* application_data records */
  uint64_t app_bytes[2];   /* their payload bytes (encrypted) */
  ms_tls_completion completed;
  ms_tls_ts completed_ts;
  bool resumed;                         /* session id echoed, or PSK accepted */
  bool decrypted[2];                    /* records of ms_dir were decrypted */
  char history[MS_TLS_MAX_HISTORY + 1]; /* Zeek ssl_history letters */
  char *error;                          /* why decoding stopped, or NULL */
} ms_tls_info;

ms_tls_info *ms_tls_info_new(void);
void ms_tls_info_free(ms_tls_info *t);
void ms_tls_cert_clear(ms_tls_cert *c);
/* *to (overwritten, not freed) becomes a deep copy of *from: every string
 * its own. */
void ms_tls_cert_copy(ms_tls_cert *to, const ms_tls_cert *from);

/* Names, for emitters and the decoder alike. */
/* "TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1.0", "SSLv3", "SSLv2", or NULL. */
const char *ms_tls_version_name(uint16_t v);
/* Whether a direction of the connection was decrypted (t may be NULL). */
bool ms_tls_decrypted_any(const ms_tls_info *t);
/* The IANA name of a cipher suite, or NULL
 * (dissectors/model/tls_suite_names.c). */
const char *ms_tls_suite_name(uint16_t suite);
/* "close_notify", "handshake_failure", ... or NULL. */
const char *ms_tls_alert_name(uint8_t description);
/* "x25519", "secp256r1", ... or NULL. */
const char *ms_tls_group_name(uint16_t group);
/* "finished", "traffic", "decrypted", or NULL when not complete. */
const char *ms_tls_completion_name(ms_tls_completion c);
/* RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa. */
bool ms_tls_is_grease(uint16_t v);

#endif
