/* emit_zeek_files.c - files.log (Files::Info): one record per attachment
 * of every SMTP message and every retrieved POP3 message.
 *
 * Fields, in Zeek's order: base/frameworks/files/main.zeek (ts ...
 * parent_fuid), base/files/hash/main.zeek (md5, sha1, sha256: the Zeek
 * versions that log all three; one later revision drops md5) and
 * base/files/extract/main.zeek (extracted, extracted_cutoff,
 * extracted_size).  docs/zeek.md gives each value's source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zeek_logs.h"

static const zeek_field files_fields[] = {
    {"ts", "time"},
    {"fuid", "string"},
    {"uid", "string"},
    {"id.orig_h", "addr"},
    {"id.orig_p", "port"},
    {"id.resp_h", "addr"},
    {"id.resp_p", "port"},
    {"source", "string"},
    {"depth", "count"},
    {"analyzers", "set[string]"},
    {"mime_type", "string"},
    {"filename", "string"},
    {"duration", "interval"},
    {"local_orig", "bool"},
    {"is_orig", "bool"},
    {"seen_bytes", "count"},
    {"total_bytes", "count"},
    {"missing_bytes", "count"},
    {"overflow_bytes", "count"},
    {"timedout", "bool"},
    {"parent_fuid", "string"},
    {"md5", "string"},
    {"sha1", "string"},
    {"sha256", "string"},
    {"extracted", "string"},
    {"extracted_cutoff", "bool"},
    {"extracted_size", "count"},
};

const zeek_log_def zeek_files_log = {
    "files", files_fields, sizeof files_fields / sizeof files_fields[0]};

/* FNV-1a over the three parts, twice with different offsets: 128 bits
 * for 17 base62 digits (Zeek's fuids are "F" + 17 of them too). */
void zeek_fuid(const char *uid, const char *label, size_t index,
               char out[ZEEK_FUID_LEN]) {
  static const char digits[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  char key[96];
  int n = snprintf(key, sizeof key, "%s/%s/%zu", uid, label, index);
  uint64_t h[2] = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL};
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < n && i < (int)sizeof key; i++) {
      h[k] ^= (unsigned char)key[i];
      h[k] *= 0x100000001b3ULL;
    }
  out[0] = 'F';
  for (int i = 1; i < ZEEK_FUID_LEN - 1; i++) {
    int k = i & 1;
    out[i] = digits[h[k] % 62];
    h[k] /= 62;
  }
  out[ZEEK_FUID_LEN - 1] = '\0';
}

void zeek_add_fuids(zeek_rec *r, const char *field, const char *uid,
                    const char *label, const ms_message *m) {
  zr_container(r, field);
  for (size_t i = 0; m && i < m->attachments.len; i++) {
    char fuid[ZEEK_FUID_LEN];
    zeek_fuid(uid, label, i, fuid);
    zr_add(r, field, fuid);
  }
}

/* When a message's bytes began: the first DATA/BDAT (SMTP) or RETR/TOP
 * (POP3) command of its transaction or number at or after `from`. */
static ms_ts body_start(const ms_session *s, ms_ts from, int pop3_number) {
  for (size_t i = 0; i < s->commands.len; i++) {
    const ms_command *c = &s->commands.items[i];
    if (c->ts < from)
      continue;
    if (pop3_number < 0 &&
        (!strcmp(c->verb, "DATA") || !strcmp(c->verb, "BDAT")))
      return c->ts;
    if (pop3_number >= 0 &&
        (!strcmp(c->verb, "RETR") || !strcmp(c->verb, "TOP")) && c->arg &&
        atoi(c->arg) == pop3_number)
      return c->ts;
  }
  return from;
}

static size_t message_files(const ms_session *s, const ms_message *m,
                            const char *label, ms_ts ts, zeek_rec *r,
                            zeek_emit_fn emit, void *ctx) {
  bool smtp = s->proto == MS_PROTO_SMTP;
  for (size_t i = 0; i < m->attachments.len; i++) {
    const ms_attachment *a = &m->attachments.items[i];
    char fuid[ZEEK_FUID_LEN];
    zeek_fuid(s->uid, label, i, fuid);
    zeek_conn_fields(r, s, ts);
    zr_str(r, "fuid", fuid);
    zr_str(r, "source", smtp ? "SMTP" : "POP3");
    int depth = a->part >= 0 && (size_t)a->part < m->parts.len
                    ? m->parts.items[a->part].depth
                    : 0;
    zr_count(r, "depth", (uint64_t)depth);
    zr_add(r, "analyzers", "MD5");
    zr_add(r, "analyzers", "SHA1");
    zr_add(r, "analyzers", "SHA256");
    if (a->extracted)
      zr_add(r, "analyzers", "EXTRACT");
    zr_str(r, "mime_type", a->content_type);
    zr_str(r, "filename", a->filename);
    zr_interval(r, "duration", 0);
    zr_bool(r, "is_orig", smtp); /* SMTP: the client sent it */
    zr_count(r, "seen_bytes", a->bytes);
    if (!m->truncated)
      zr_count(r, "total_bytes", a->bytes);
    zr_count(r, "missing_bytes", 0);
    zr_count(r, "overflow_bytes", 0);
    zr_bool(r, "timedout", false);
    zr_str(r, "md5", a->md5);
    if (*a->sha1)
      zr_str(r, "sha1", a->sha1);
    zr_str(r, "sha256", a->sha256);
    if (a->extracted) {
      zr_str(r, "extracted", a->extracted);
      zr_bool(r, "extracted_cutoff", false);
      zr_count(r, "extracted_size", a->bytes);
    }
    emit(ctx, r);
  }
  return m->attachments.len;
}

size_t zeek_files_records(const ms_session *s, zeek_rec *r, zeek_emit_fn emit,
                          void *ctx) {
  size_t n = 0;
  char label[24];
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    if (!t->message)
      continue;
    snprintf(label, sizeof label, "t%zu", i + 1);
    n += message_files(s, t->message, label, body_start(s, t->ts, -1), r, emit,
                       ctx);
  }
  for (size_t i = 0; i < s->messages.len; i++) {
    const ms_pop3_message *pm = &s->messages.items[i];
    if (!pm->message)
      continue;
    snprintf(label, sizeof label, "r%zu", i + 1);
    n += message_files(s, pm->message, label, body_start(s, s->ts, pm->number),
                       r, emit, ctx);
  }
  return n;
}
