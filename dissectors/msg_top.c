/* msg_top.c - the message's own header fields into its record (msg_top.h). */
#include "msg_top.h"

#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg_fields.h"
#include "msg_headers.h"
#include "msg_words.h"
#include "vec.h"

bool msg_listed(const ms_message *m, const char *name) {
  for (size_t i = 0; i < m->anomalies.len; i++)
    if (!strcmp(m->anomalies.items[i], name))
      return true;
  return false;
}

void msg_limit(ms_session *s, ms_message *m, unsigned *raised, ms_ts ts,
               ms_limit which, const char *name, const char *fmt,
               const char *arg) {
  if (*raised & (1u << which))
    return;
  *raised |= 1u << which;
  if (!msg_listed(m, name))
    strvec_push(&m->anomalies, name);
  ms_limit_hit(s, which, name, ts, fmt, arg);
}

static void limit_anomaly(const msg_top *p, ms_limit which, const char *name,
                          const char *fmt, const char *arg) {
  msg_limit(p->s, p->m, p->limits_raised, p->ts, which, name, fmt, arg);
}

/* Header text as UTF-8 (new string): RFC 2047 words, and bytes that are
 * not UTF-8 read in `charset` (msg_words.c). */
char *msg_decode_text(const char *raw, const char *charset) {
  if (fields_plain_text(raw))
    return xstrdup(raw);
  return words_decode(raw, charset);
}

static void set_once(char **field, const char *value) {
  if (!*field)
    *field = xstrdup(value);
}

/* The address header `name` of the message, into v (whole: an address
 * list is not cut at MS_MAX_HEADER_VALUE, only counted). */
static void address_field(const msg_top *p, ms_addrvec *v, uint64_t *total,
                          const char *name, const char *value, bool cut) {
  if (!headers_addresses(v, value, cut, total))
    limit_anomaly(p, MS_LIMIT_LIST, "record_limit",
                  "more than 1000 %s addresses: the first 1000 are recorded, "
                  "list_totals counts them all",
                  name);
}

static bool address_header(const msg_top *p, const char *name, const char *v,
                           bool cut) {
  ms_message *m = p->m;
  if (!strcasecmp(name, "From"))
    address_field(p, &m->from, &m->totals.from, name, v, cut);
  else if (!strcasecmp(name, "To"))
    address_field(p, &m->to, &m->totals.to, name, v, cut);
  else if (!strcasecmp(name, "Cc"))
    address_field(p, &m->cc, &m->totals.cc, name, v, cut);
  else if (!strcasecmp(name, "Reply-To"))
    address_field(p, &m->reply_to, &m->totals.reply_to, name, v, cut);
  else
    return false;
  return true;
}

/* The fields message_field reports (each costs the record, record.h). */
static bool reported_field(const char *name) {
  static const char *const names[] = {
      "From",        "To",         "Cc",         "Reply-To",
      "Subject",     "Date",       "Message-ID", "In-Reply-To",
      "References",  "User-Agent", "X-Mailer",   "X-Originating-IP",
      "Return-Path", "Received"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcasecmp(name, names[i]))
      return true;
  return false;
}

/* RFC 5322 fields of the message itself; `cut`: the header block limit
 * cut this field's value. */
void msg_top_field(const msg_top *p, const char *name, char *v, bool cut) {
  ms_message *m = p->m;
  size_t vl = strlen(v);
  if (reported_field(name) && !ms_record_room(p->s, 64 + vl, p->ts))
    return; /* the record is full: record_truncated */
  if (address_header(p, name, v, cut))
    return;
  if (vl > MS_MAX_HEADER_VALUE) { /* cut on a UTF-8 boundary */
    size_t at = MS_MAX_HEADER_VALUE;
    while (at > 0 && ((unsigned char)v[at] & 0xc0) == 0x80)
      at--;
    v[at] = '\0';
    limit_anomaly(p, MS_LIMIT_HEADER_VALUE, "header_too_long",
                  "a %s header is longer than 8 KiB: cut", name);
  }
  if (!strcasecmp(name, "Subject")) /* decoded with the block (charset) */
    set_once(&m->subject, v);
  else if (!strcasecmp(name, "Date"))
    set_once(&m->date, v);
  else if (!strcasecmp(name, "Message-ID"))
    set_once(&m->message_id, v);
  else if (!strcasecmp(name, "In-Reply-To"))
    set_once(&m->in_reply_to, v);
  else if (!strcasecmp(name, "References"))
    set_once(&m->references, v);
  else if (!strcasecmp(name, "User-Agent") || !strcasecmp(name, "X-Mailer"))
    set_once(&m->user_agent, v);
  else if (!strcasecmp(name, "X-Originating-IP"))
    set_once(&m->x_originating_ip, v);
  else if (!strcasecmp(name, "Return-Path"))
    set_once(&m->return_path, v);
  else if (!strcasecmp(name, "Received") && !headers_received(m, v))
    limit_anomaly(p, MS_LIMIT_LIST, "record_limit",
                  "more than %s Received headers: the first 50 and the last 50 "
                  "are listed, list_totals counts them all",
                  "100");
}
