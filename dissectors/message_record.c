/* message_record.c - release of the message object (message_record.h). */
#include "message_record.h"
#include "msg_received.h"

#include <stdlib.h>

static void free_addrs(ms_addrvec *v) {
  for (size_t i = 0; i < v->len; i++) {
    free(v->items[i].name);
    free(v->items[i].address);
  }
  vec_free(v);
}

ms_message *ms_message_new(void) { return xcalloc(1, sizeof(ms_message)); }

void ms_message_free(ms_message *m) {
  if (!m)
    return;
  free_addrs(&m->from);
  free_addrs(&m->to);
  free_addrs(&m->cc);
  free_addrs(&m->reply_to);
  free_addrs(&m->bcc);
  free(m->subject);
  free(m->date);
  free(m->message_id);
  free(m->in_reply_to);
  free(m->references);
  free(m->user_agent);
  free(m->x_originating_ip);
  free(m->return_path);
  for (size_t i = 0; i < m->received.len; i++)
    received_free(&m->received.items[i]);
  vec_free(&m->received);
  free(m->content_type);
  for (size_t i = 0; i < m->parts.len; i++) {
    ms_part *p = &m->parts.items[i];
    free(p->content_type);
    free(p->charset);
    free(p->encoding);
    free(p->disposition);
    free(p->filename);
  }
  vec_free(&m->parts);
  for (size_t i = 0; i < m->attachments.len; i++) {
    ms_attachment *a = &m->attachments.items[i];
    free(a->filename);
    free(a->content_type);
    free(a->disposition);
    free(a->encoding);
    free(a->extracted);
  }
  vec_free(&m->attachments);
  strvec_free(&m->anomalies);
  free(m->extracted);
  free(m);
}
