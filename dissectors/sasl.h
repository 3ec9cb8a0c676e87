/* sasl.h - SASL exchanges shared by SMTP AUTH and POP3 AUTH.
 *
 * The protocol dissector drives it: it calls sasl_begin() with the AUTH
 * command's mechanism and optional initial response, then feeds each server
 * challenge (the base64 text after "334 " in SMTP or "+ " in POP3) and each
 * client response line, and finally the outcome.  The exchange fills the
 * session's ms_auth (mechanism, username, password redacted unless asked,
 * authzid, challenge) and raises anomalies (bad_base64, sasl_garbage, ...)
 * on the session.  Each call returns the text to show in brackets beside the
 * line in transcripts (owned by the caller, NULL for none), and for client
 * lines a redacted copy of the line itself when the line carries a secret.
 */
#ifndef MAILSCOPE_SASL_H
#define MAILSCOPE_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef struct sasl_exchange sasl_exchange;

typedef struct {
  char *note;     /* decoded text for the transcript, or NULL */
  char *redacted; /* replacement for the wire line in transcripts, or NULL */
  bool hidden;    /* a secret was hidden (in the note or the line) */
} sasl_view;

/* Start an exchange.  mech is the mechanism as sent (any case); initial may
 * be NULL (none) or "=" (empty initial response, RFC 4954). */
sasl_exchange *sasl_begin(ms_session *s, bool show_secrets, const char *mech,
                          const uint8_t *initial, size_t initial_len, ms_ts ts,
                          sasl_view *view);
/* A server challenge line (base64 text only, prefix already removed). */
void sasl_server(sasl_exchange *x, const uint8_t *b64, size_t n, ms_ts ts,
                 sasl_view *view);
/* A client response line.  "*" cancels. Returns true while the exchange
 * goes on, false once it was cancelled. */
bool sasl_client(sasl_exchange *x, const uint8_t *line, size_t n, ms_ts ts,
                 sasl_view *view);
/* Outcome from the final reply; ends the exchange and frees x. */
void sasl_end(sasl_exchange *x, ms_auth_result result, ms_ts ts);

/* Move a view into a transcript line: the note goes beside it, the
 * redacted text replaces the wire text, and MS_TL_REDACTED marks a line
 * whose text or note hides a secret.  t may be NULL (no transcript); the
 * view is left empty either way. */
void sasl_view_apply(sasl_view *view, ms_tline *t);

/* Base64 decoding shared by dissectors: returns a new buffer (NUL-terminated
 * for convenience) and its length, or NULL if the text is not base64. */
uint8_t *ms_base64_decode(const uint8_t *in, size_t n, size_t *out_len);

#endif
