/* emit_zeek_pop3.c - pop3.log: mailscope's own log for POP3 sessions,
 * written the way Zeek writes its logs (Zeek's POP3 analyzer raises
 * events but logs nothing).  One record per POP3 session; docs/zeek.md
 * documents every field.  The retrieved messages' attachments are in
 * files.log (source POP3) under the fuids listed here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor.h"
#include "zeek_logs.h"

static const zeek_field pop3_fields[] = {
    {"ts", "time"},
    {"uid", "string"},
    {"id.orig_h", "addr"},
    {"id.orig_p", "port"},
    {"id.resp_h", "addr"},
    {"id.resp_p", "port"},
    {"duration", "interval"},
    {"banner", "string"},
    {"user", "string"},
    {"auth_mechanism", "string"},
    {"auth_success", "bool"},
    {"auth_attempts", "count"},
    {"tls", "bool"},
    {"mailbox_messages", "count"},
    {"mailbox_octets", "count"},
    {"retrieved", "count"},
    {"retrieved_bytes", "count"},
    {"subjects", "vector[string]"},
    {"deleted", "count"},
    {"commands", "count"},
    {"last_response", "string"},
    {"fuids", "vector[string]"},
    {"community_id", "string"},
};

const zeek_log_def zeek_pop3_log = {"pop3", pop3_fields,
                                    sizeof pop3_fields / sizeof pop3_fields[0]};

static void last_response(zeek_rec *r, const ms_session *s) {
  for (size_t i = s->commands.len; i-- > 0;) {
    const ms_reply *rep = &s->commands.items[i].reply;
    if (!rep->present || !rep->pop3_status)
      continue;
    const char *text = rep->text ? rep->text : "";
    const char *nl = strchr(text, '\n');
    char *v = xasprintf("%s %.*s", rep->pop3_status,
                        (int)(nl ? (size_t)(nl - text) : strlen(text)), text);
    zr_str(r, "last_response", v);
    free(v);
    return;
  }
}

size_t zeek_pop3_records(const ms_session *s, zeek_rec *r, zeek_emit_fn emit,
                         void *ctx) {
  if (s->proto != MS_PROTO_POP3)
    return 0;
  zeek_conn_fields(r, s, s->ts);
  zr_interval(r, "duration", s->end_ts > s->ts ? s->end_ts - s->ts : 0);
  zr_str(r, "banner", s->banner);
  if (s->auth.present) {
    zr_str(r, "user", s->auth.username);
    zr_str(r, "auth_mechanism", s->auth.mechanism);
    if (s->auth.result != MS_AUTH_UNKNOWN)
      zr_bool(r, "auth_success", s->auth.result == MS_AUTH_SUCCESS);
    zr_count(r, "auth_attempts", (uint64_t)s->auth.attempts);
  }
  zr_bool(r, "tls", s->tls != MS_TLS_NONE);
  if (s->mailbox_present) {
    zr_count(r, "mailbox_messages", s->mailbox_messages);
    zr_count(r, "mailbox_octets", s->mailbox_octets);
  }
  uint64_t bytes = 0;
  zr_container(r, "subjects");
  zr_container(r, "fuids");
  for (size_t i = 0; i < s->messages.len; i++) {
    const ms_pop3_message *m = &s->messages.items[i];
    bytes += m->bytes;
    if (m->message && m->message->subject)
      zr_add(r, "subjects", m->message->subject);
    char label[24];
    snprintf(label, sizeof label, "r%zu", i + 1);
    if (m->message)
      for (size_t k = 0; k < m->message->attachments.len; k++) {
        char fuid[ZEEK_FUID_LEN];
        zeek_fuid(s->uid, label, k, fuid);
        zr_add(r, "fuids", fuid);
      }
  }
  zr_count(r, "retrieved", s->messages.len);
  zr_count(r, "retrieved_bytes", bytes);
  zr_count(r, "deleted", s->deleted.len);
  zr_count(r, "commands", s->commands.len);
  last_response(r, s);
  char cid[COMMUNITY_ID_LEN];
  sensor_community_id(s, cid);
  if (*cid)
    zr_str(r, "community_id", cid);
  emit(ctx, r);
  return 1;
}
