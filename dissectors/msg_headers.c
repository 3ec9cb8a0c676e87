/* msg_headers.c - lists of the message's own header block (see
 * msg_headers.h). */
#include "msg_headers.h"

#include <stdlib.h>
#include <string.h>

#include "msg_fields.h"
#include "msg_received.h"
#include "msg_words.h"
#include "record.h"
#include "vec.h"

static void address_free(ms_address *a) {
  free(a->address);
  free(a->name);
}

bool headers_addresses(ms_addrvec *v, const char *raw, bool cut,
                       uint64_t *total) {
  size_t before = v->len, n = 0;
  if (!fields_addresses(raw, v, MS_MAX_LIST, &n))
    fields_addresses_gmime(raw, v, MS_MAX_LIST, &n);
  words_fix_names(raw, v, before);
  size_t len = strlen(raw);
  bool closed = len && (raw[len - 1] == '>' || raw[len - 1] == ',' ||
                        raw[len - 1] == ';');
  if (cut && n && !closed) { /* the last mailbox may be cut in the middle */
    n--;
    if (v->len - before > n)
      address_free(&v->items[--v->len]);
  }
  *total += n;
  return v->len - before == n;
}

bool headers_received(ms_message *m, const char *value) {
  m->totals.received++;
  bool full = m->received.len == MS_MAX_RECEIVED;
  if (full) { /* the oldest of the kept last half leaves */
    size_t half = MS_MAX_RECEIVED / 2;
    received_free(&m->received.items[half]);
    memmove(&m->received.items[half], &m->received.items[half + 1],
            (MS_MAX_RECEIVED - half - 1) * sizeof(ms_received));
    m->received.len--;
  }
  received_parse(value, vec_push(&m->received));
  return !full;
}

static void decode_in_place(char **field, const char *charset) {
  if (!*field || fields_plain_text(*field))
    return;
  char *d = words_decode(*field, charset);
  free(*field);
  *field = d;
}

void headers_decode_text(ms_message *m, const char *charset) {
  decode_in_place(&m->subject, charset);
  decode_in_place(&m->user_agent, charset);
}
