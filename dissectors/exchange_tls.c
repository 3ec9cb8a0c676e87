/* exchange_tls.c - where an exchange hands a direction to TLS (see
 * dissector.h "where TLS begins" and exchange.h).
 *
 * STARTTLS / STLS: client bytes sent after the command and before its
 * reply are held, not parsed.  A positive reply makes them what they are:
 * commands injected into the plaintext phase (CVE-2011-0411; Poddebniak
 * et al., USENIX Security 2021), which a server must not execute and a
 * vulnerable one runs inside TLS: they are shown, escaped, in
 * starttls_command_injection, and not taken as commands.  A refusal makes
 * them commands again.  After the positive reply, each direction's next
 * bytes decide: a TLS record begins TLS there (MS_TLS); server lines before
 * it, and before the client spoke again, are injected responses
 * (starttls_response_injection), paired with nothing; client bytes that
 * are no TLS record are decoded as plaintext (plaintext_after_starttls: a
 * decrypted capture, or a client that never started TLS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "exchange.h"

#define SHOWN_MAX 200 /* injected bytes quoted in an anomaly */
#define HOLD_MAX                                                               \
  65536 /* client bytes held while STARTTLS awaits its                         \
           reply; beyond, the client is not waiting: they                      \
           are commands */

void ex_tls_asked(ex *x) {
  uint8_t st = x->tls[MS_CLIENT];
  if (st == EX_TLS_NONE || st == EX_TLS_PLAIN || st == EX_TLS_DECRYPTED)
    x->tls[MS_CLIENT] = EX_TLS_ASKED;
}

/* What a direction's state goes back to when no TLS follows after all. */
static uint8_t no_tls_state(const ex *x) {
  return x->tls_inside ? EX_TLS_DECRYPTED : EX_TLS_NONE;
}

/* A TLS record inside decrypted TLS (STARTTLS said inside TLS): a second
 * layer mailscope does not decode.  The rest of that direction is taken
 * and dropped, not read as commands or replies. */
static ex_step nested(ex *x, ms_dir dir, const uint8_t **cur,
                      const uint8_t *end, ms_ts ts) {
  x->tls[dir] = EX_TLS_OPAQUE;
  if (!x->tls_nested_said) {
    x->tls_nested_said = true;
    ex_anomaly(x, "tls_nested", ts,
               "a TLS handshake inside the decrypted TLS session (STARTTLS "
               "inside TLS): the inner layer is not decoded");
    ex_notice(x, ts, dir, "TLS inside TLS: the rest is not decoded");
  }
  *cur = end;
  return EX_STEP_TAKEN;
}

/* The lines of held bytes in the transcript, as the client sent them. */
static void held_lines(ex *x, ms_ts ts) {
  line_reader lr;
  line_reader_init(&lr, x->cfg->max_line);
  const uint8_t *cur = x->tls_held, *end = x->tls_held + x->tls_held_len;
  ms_line l;
  while (line_reader_next(&lr, &cur, end, ts, &l))
    ex_tline(x, ts, MS_CLIENT, 0, l.data, l.len, NULL);
  if (line_reader_flush(&lr, ts, &l))
    ex_tline(x, ts, MS_CLIENT, 0, l.data, l.len, NULL);
  line_reader_free(&lr);
}

void ex_tls_replied(ex *x, bool positive, ms_ts ts) {
  if (!positive) {
    if (x->tls[MS_CLIENT] == EX_TLS_ASKED) {
      x->tls[MS_CLIENT] = no_tls_state(x);
      x->tls_replay = x->tls_held_len > 0; /* commands after all */
    }
    return;
  }
  x->tls[MS_SERVER] = EX_TLS_MAY;
  x->tls_client_after = false;
  if (x->tls[MS_CLIENT] != EX_TLS_ASKED)
    return; /* TLS began already (a ClientHello sent before the reply) */
  x->tls[MS_CLIENT] = EX_TLS_MAY;
  if (!x->tls_held_len)
    return;
  char *shown = ex_wire_text(x->tls_held, x->tls_held_len, SHOWN_MAX);
  ex_anomaly(x, "starttls_command_injection", ts,
             "%zu bytes sent after STARTTLS before its reply, not taken as "
             "plaintext commands: \"%s\"%s",
             x->tls_held_len, shown, x->tls_held_len > SHOWN_MAX ? "..." : "");
  free(shown);
  ex_notice(x, ts, MS_CLIENT,
            "sent after STARTTLS before its reply: not plaintext commands");
  held_lines(x, ts);
  free(x->tls_held);
  x->tls_held = NULL;
  x->tls_held_len = 0;
}

bool ex_tls_replay(ex *x, ms_ts ts) {
  if (!x->tls_replay)
    return false;
  x->tls_replay = false;
  uint8_t *held = x->tls_held;
  size_t n = x->tls_held_len;
  x->tls_held = NULL;
  x->tls_held_len = 0;
  ex_client_bytes(x, held, n, ts);
  free(held);
  return true;
}

ex_step ex_tls_client(ex *x, const uint8_t **cur, const uint8_t *end,
                      ms_ts ts) {
  uint8_t st = x->tls[MS_CLIENT];
  if (st == EX_TLS_OPAQUE && x->tls_inside)
    return nested(x, MS_CLIENT, cur, end, ts);
  if (st == EX_TLS_RECORDS || st == EX_TLS_OPAQUE)
    return EX_STEP_TLS; /* not ours: the session layer has them */
  if ((st != EX_TLS_ASKED && st != EX_TLS_MAY) ||
      line_reader_pending(&x->lines[MS_CLIENT]))
    return EX_STEP_NONE;
  size_t n = (size_t)(end - *cur);
  if (ms_detect_tls_record(*cur, n, false)) {
    if (x->tls_inside)
      return nested(x, MS_CLIENT, cur, end, ts);
    x->tls[MS_CLIENT] = EX_TLS_RECORDS;
    return EX_STEP_TLS;
  }
  if (st == EX_TLS_ASKED && x->tls_held_len + n > HOLD_MAX) {
    x->tls[MS_CLIENT] = no_tls_state(x); /* not waiting: commands after all */
    x->tls_replay = true;
    ex_tls_replay(x, ts);
    return EX_STEP_NONE;
  }
  if (st == EX_TLS_ASKED) { /* held until the reply decides */
    x->tls_held = xrealloc(x->tls_held, x->tls_held_len + n);
    memcpy(x->tls_held + x->tls_held_len, *cur, n);
    x->tls_held_len += n;
    *cur = end;
    return EX_STEP_TAKEN;
  }
  x->tls[MS_CLIENT] = EX_TLS_PLAIN;
  x->tls_client_after = true;
  ex_anomaly(x, "plaintext_after_starttls", ts,
             "the client sent no TLS record after the positive reply to "
             "STARTTLS: decoded as plaintext (a decrypted capture, or a "
             "client that never started TLS)");
  return EX_STEP_NONE;
}

ex_step ex_tls_server(ex *x, const uint8_t **cur, const uint8_t *end,
                      ms_ts ts) {
  uint8_t st = x->tls[MS_SERVER];
  if (st == EX_TLS_OPAQUE && x->tls_inside)
    return nested(x, MS_SERVER, cur, end, ts);
  if (st == EX_TLS_RECORDS || st == EX_TLS_OPAQUE)
    return EX_STEP_TLS;
  if (st != EX_TLS_MAY)
    return EX_STEP_NONE;
  if (!line_reader_pending(&x->lines[MS_SERVER]) &&
      ms_detect_tls_record(*cur, (size_t)(end - *cur), false)) {
    if (x->tls_inside)
      return nested(x, MS_SERVER, cur, end, ts);
    x->tls[MS_SERVER] = EX_TLS_RECORDS;
    return EX_STEP_TLS;
  }
  if (x->tls_client_after) { /* the client went on in plaintext: so does
                                the server */
    x->tls[MS_SERVER] = EX_TLS_PLAIN;
    return EX_STEP_NONE;
  }
  /* Server lines after the positive reply, before TLS and before the
   * client spoke again: answers to nothing the client asked. */
  const uint8_t *start = *cur;
  ms_line l;
  if (!line_reader_next(&x->lines[MS_SERVER], cur, end, ts, &l))
    return EX_STEP_TAKEN;
  ex_server_tline(x, &l, ts, 0, 0, MS_RC_OTHER);
  if (!x->tls_injection_said) {
    x->tls_injection_said = true;
    size_t n = (size_t)(end - start);
    char *shown = ex_wire_text(start, n, SHOWN_MAX);
    ex_anomaly(x, "starttls_response_injection", ts,
               "server bytes after the positive reply to STARTTLS, before "
               "TLS began: \"%s\"%s",
               shown, n > SHOWN_MAX ? "..." : "");
    free(shown);
  }
  return EX_STEP_TAKEN;
}

void ex_tls(ex *x, ms_dir dir, ms_tls_state what, ms_ts ts) {
  if (what == MS_TLS_PLAINTEXT) {
    x->tls[dir] = EX_TLS_DECRYPTED;
    x->tls_inside = true;
    line_reader_free(&x->lines[dir]);
    line_reader_init(&x->lines[dir], x->cfg->max_line);
    if (!x->tls_noted && x->rec->tls != MS_TLS_IMPLICIT)
      ex_notice(x, ts, MS_SERVER, "TLS starts: decrypted with the key log");
    x->tls_noted = true;
    return;
  }
  x->tls[dir] = EX_TLS_OPAQUE;
  /* under implicit TLS the emitters say so themselves */
  if (!x->tls_noted && x->rec->tls != MS_TLS_IMPLICIT)
    ex_notice(x, ts, MS_SERVER,
              "TLS starts: the rest is encrypted, not decoded");
  x->tls_noted = true;
}

void ex_tls_free(ex *x) {
  free(x->tls_held);
  x->tls_held = NULL;
  x->tls_held_len = 0;
}
