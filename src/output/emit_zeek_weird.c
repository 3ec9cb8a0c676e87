/* emit_zeek_weird.c - weird.log (Weird::Info): one record per anomaly of a
 * session, named as Zeek names the same finding where Zeek has one (the
 * table below), else by mailscope's own name (docs/anomalies.md).
 *
 * Fields, in Zeek's order: base/frameworks/notice/weird.zeek.  The weird
 * names on the right are Zeek's, from its analyzers and scripts: the SMTP
 * analyzer (SMTP.cc, BDAT.cc), base/protocols/smtp/main.zeek, the
 * ContentLine analyzer, the MIME analyzer, the POP3 analyzer, and the
 * Weird::actions table of weird.zeek. */
#include <string.h>

#include "sensor.h"
#include "zeek_logs.h"

static const zeek_field weird_fields[] = {
    {"ts", "time"},        {"uid", "string"},     {"id.orig_h", "addr"},
    {"id.orig_p", "port"}, {"id.resp_h", "addr"}, {"id.resp_p", "port"},
    {"name", "string"},    {"addl", "string"},    {"notice", "bool"},
    {"peer", "string"},    {"source", "string"},
};

const zeek_log_def zeek_weird_log = {
    "weird", weird_fields, sizeof weird_fields / sizeof weird_fields[0]};

typedef struct {
  const char *ours;
  ms_proto proto; /* MS_PROTO_NONE: both */
  const char *zeek;
} weird_name;

static const weird_name names[] = {
    {"line_too_long", MS_PROTO_NONE, "contentline_size_exceeded"},
    {"too_many_outstanding", MS_PROTO_SMTP, "smtp_excessive_pending_cmds"},
    {"rcpt_without_mail", MS_PROTO_SMTP, "smtp_mail_transaction_invalid"},
    {"data_without_mail", MS_PROTO_SMTP, "smtp_mail_transaction_invalid"},
    {"data_after_bdat", MS_PROTO_SMTP, "smtp_missing_bdat_last_chunk"},
    {"bad_base64", MS_PROTO_NONE, "base64_illegal_encoding"},
    {"sasl_bad_base64", MS_PROTO_SMTP, "base64_illegal_encoding"},
    {"sasl_bad_base64", MS_PROTO_POP3, "pop3_bad_base64_encoding"},
    {"unknown_command", MS_PROTO_POP3, "pop3_client_command_unknown"},
    {"malformed_response", MS_PROTO_POP3, "pop3_server_command_unknown"},
    {"response_without_command", MS_PROTO_POP3,
     "pop3_server_sending_client_commands"},
};

/* Zeek's name for one of our anomalies in a session of protocol p. */
static const char *zeek_name(const char *ours, ms_proto p) {
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(names[i].ours, ours) &&
        (names[i].proto == MS_PROTO_NONE || names[i].proto == p))
      return names[i].zeek;
  return ours;
}

/* Which layer raised it, as Zeek's weird.log names the analyzer. */
static const char *source(const char *name, ms_proto p) {
  static const char *const tcp[] = {"tcp_gap", "tcp_overlap_mismatch",
                                    "reassembly_limit", "session_limit"};
  for (size_t i = 0; i < sizeof tcp / sizeof tcp[0]; i++)
    if (!strcmp(name, tcp[i]))
      return "TCP";
  return p == MS_PROTO_POP3 ? "POP3" : "SMTP";
}

size_t zeek_weird_records(const ms_session *s, zeek_rec *r, zeek_emit_fn emit,
                          void *ctx) {
  const ms_sensor *sn = sensor_get();
  for (size_t i = 0; i < s->anomalies.len; i++) {
    const ms_anomaly *a = &s->anomalies.items[i];
    zeek_conn_fields(r, s, a->ts);
    zr_str(r, "name", zeek_name(a->name, s->proto));
    if (a->detail && *a->detail)
      zr_str(r, "addl", a->detail);
    zr_bool(r, "notice", false);
    zr_str(r, "peer", sn->name ? sn->name : "mailscope");
    zr_str(r, "source", source(a->name, s->proto));
    emit(ctx, r);
  }
  return s->anomalies.len;
}
