/* msg_top.c - the message's own header fields into its record (msg_top.h). */
#include "msg_top.h"

#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg_fields.h"
#include "msg_received.h"
#include "vec.h"

#define MAX_RECEIVED 100 /* Received hops listed */

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

/* Decode RFC 2047 words to UTF-8 (new string). */
char *msg_decode_text(const char *raw) {
  if (fields_plain_text(raw))
    return xstrdup(raw);
  char *d = g_mime_utils_header_decode_text(NULL, raw);
  char *out = xstrdup(d ? d : raw);
  g_free(d);
  return out;
}

/* Returns false when addresses were left out: a list holds at most
 * MS_MAX_LIST (one more is asked for, to tell). */
static bool parse_addresses(ms_addrvec *v, const char *raw) {
  if (!fields_addresses(raw, v, MS_MAX_LIST + 1))
    fields_addresses_gmime(raw, v, MS_MAX_LIST + 1);
  if (v->len <= MS_MAX_LIST)
    return true;
  ms_address *extra = &v->items[--v->len];
  free(extra->address);
  free(extra->name);
  return false;
}

static void set_once(char **field, const char *value) {
  if (!*field)
    *field = xstrdup(value);
}

/* The address header `name` of the message, into v. */
static void address_field(const msg_top *p, ms_addrvec *v, const char *name,
                          const char *value) {
  if (!parse_addresses(v, value))
    limit_anomaly(p, MS_LIMIT_LIST, "record_limit",
                  "more than 1000 %s addresses: later ones are not recorded",
                  name);
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

/* RFC 5322 fields of the message itself. */
void msg_top_field(const msg_top *p, const char *name, char *v) {
  ms_message *m = p->m;
  size_t vl = strlen(v);
  if (reported_field(name) && !ms_record_room(p->s, 64 + vl, p->ts))
    return;                       /* the record is full: record_truncated */
  if (vl > MS_MAX_HEADER_VALUE) { /* cut on a UTF-8 boundary */
    size_t cut = MS_MAX_HEADER_VALUE;
    while (cut > 0 && ((unsigned char)v[cut] & 0xc0) == 0x80)
      cut--;
    v[cut] = '\0';
    limit_anomaly(p, MS_LIMIT_HEADER_VALUE, "header_too_long",
                  "a %s header is longer than 8 KiB: cut", name);
  }
  if (!strcasecmp(name, "From"))
    address_field(p, &m->from, name, v);
  else if (!strcasecmp(name, "To"))
    address_field(p, &m->to, name, v);
  else if (!strcasecmp(name, "Cc"))
    address_field(p, &m->cc, name, v);
  else if (!strcasecmp(name, "Reply-To"))
    address_field(p, &m->reply_to, name, v);
  else if (!strcasecmp(name, "Subject") && !m->subject)
    m->subject = msg_decode_text(v);
  else if (!strcasecmp(name, "Date"))
    set_once(&m->date, v);
  else if (!strcasecmp(name, "Message-ID"))
    set_once(&m->message_id, v);
  else if (!strcasecmp(name, "In-Reply-To"))
    set_once(&m->in_reply_to, v);
  else if (!strcasecmp(name, "References"))
    set_once(&m->references, v);
  else if ((!strcasecmp(name, "User-Agent") || !strcasecmp(name, "X-Mailer")) &&
           !m->user_agent)
    m->user_agent = msg_decode_text(v);
  else if (!strcasecmp(name, "X-Originating-IP"))
    set_once(&m->x_originating_ip, v);
  else if (!strcasecmp(name, "Return-Path"))
    set_once(&m->return_path, v);
  else if (!strcasecmp(name, "Received") && m->received.len < MAX_RECEIVED)
    received_parse(v, vec_push(&m->received));
  else if (!strcasecmp(name, "Received"))
    limit_anomaly(p, MS_LIMIT_LIST, "record_limit",
                  "more than %s Received headers: later ones are not listed",
                  "100");
}
