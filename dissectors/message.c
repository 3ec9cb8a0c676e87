/* message.c - the streaming message layer (see message.h).
 *
 * Bytes arrive in chunks of any size.  They are hashed (sha256 of the
 * whole message), copied to the sink (.eml) and cut into lines; a line
 * that grows past LINE_CARRY bytes without an end is body content (no
 * boundary is that long) and is passed on in pieces, so memory stays
 * bounded.  Each MIME entity has a header block (bounded by
 * cfg->max_message_bytes) and a body: multipart bodies are scanned for
 * their boundaries, message/rfc822 bodies are entities again, leaf bodies
 * are decoded (base64, quoted-printable) and hashed when they are
 * attachments.  GMime decodes RFC 2047 words, RFC 2231 parameters and
 * address lists; digest.c computes the digests.
 */
#include "message.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "msg_decode.h"
#include "msg_fields.h"
#include "msg_received.h"
#include "scan.h"
#include "vec.h"

#define LINE_CARRY 2048  /* longest line examined as a whole */
#define MAX_BOUNDARY 200 /* RFC 2046 says 70 */
#define MAX_RECEIVED 100 /* Received hops listed */

typedef enum { ENC_IDENTITY, ENC_BASE64, ENC_QP } encoding;

typedef struct {
  char *boundary; /* of an open multipart */
  int depth;
  int part; /* index of the multipart in out->parts */
} mp_frame;

typedef enum {
  S_HEADERS,  /* reading the header block of an entity */
  S_LEAF,     /* body of a leaf part */
  S_PREAMBLE, /* before the first boundary / after the last */
} state;

/* Where the decoded bytes of one part go: its size in the part tree and,
 * for an attachment, its size, digests and the sink. */
typedef struct {
  int part;       /* index in out->parts, -1 none */
  int attachment; /* index in out->attachments, -1 none */
  ms_hash *hash;  /* md5 and sha256 of the decoded bytes */
  void *file;     /* sink handle */
  /* decoded bytes are digested and written in batches: a base64 line is
   * 57 bytes, and per-call digest and write costs dominated at that size */
  uint8_t *batch;
  size_t batch_len;
} part_output;

#define OUTPUT_BATCH 16384
#define HELD_BYTES 8192 /* message bytes held to hash with a batch */

/* A message/rfc822 part being read: its lines, as transferred, are its
 * content (while the inner message is parsed from the same lines).  A
 * boundary of a multipart around it ends it; the line end before that
 * boundary belongs to the boundary. */
typedef struct {
  part_output out;
  size_t stack_len; /* open multiparts when it began */
  bool pending_eol;
  uint8_t eol[2];
  size_t eol_len;
} rfc822_frame;

#define MAX_RFC822_FRAMES 16

struct ms_msg_parser {
  ms_session *s;
  ms_message *out;
  const ms_dissect_config *cfg;
  char label[32];
  ms_ts ts;
  ms_hash *hash; /* sha256 of the whole message (md5 only for attachments) */
  void *eml;     /* sink handle */
  /* line assembly */
  size_t carry_len;
  bool carry_is_content; /* the current line is too long to be structure */
  /* entity */
  state st;
  bool top_level; /* the headers being read are the message's own */
  bool preview;   /* POP3 TOP: cut on purpose, open multiparts expected */
  int depth;      /* nesting of the entity being read */
  char *headers;  /* header block of the entity, unfolded later */
  size_t headers_len, headers_cap;
  bool headers_overflow;
  /* --max-headers: fields of the entity's header block, which known
   * fields (see kept_past_limit) were seen, whether the field being read
   * is left out */
  uint64_t header_fields;
  uint32_t fields_seen;
  bool header_skip;
  bool long_line_start;   /* the next over-long piece starts a line */
  bool long_line_cr;      /* an over-long line's last piece ended in CR */
  unsigned limits_raised; /* bit per ms_limit: raised for this message */
  VEC(mp_frame) stack;
  VEC(rfc822_frame) rfc822; /* message/rfc822 parts open, outermost first */
  /* current leaf */
  part_output leaf;
  encoding enc;
  b64_stream b64;
  qp_stream qp;
  bool pending_eol; /* a line end held back: it may belong to a boundary */
  uint8_t eol[2];
  size_t eol_len;
  bool bad_base64_reported;
  uint8_t *spare_batch; /* a closed attachment's batch buffer, for the next */
  uint8_t *held;        /* HELD_BYTES, once an attachment was met */
  size_t held_len;      /* the message's bytes in it, not hashed yet */
  /* last: not cleared when a parser is reused */
  uint8_t carry[LINE_CARRY];
};

/* Parsers of finished messages, kept with their buffers for the next ones
 * (a parser is 2 KiB, its batch buffer 16 KiB, its hold buffer 8 KiB, its
 * header block 4 KiB or more: allocated, cleared and freed for every
 * message they were a tenth of the allocator's work).  As many as messages are
 * usually in flight at once; more are freed. */
#define SPARE_PARSERS 64
static ms_msg_parser *spare_parsers[SPARE_PARSERS];
static size_t spare_count;

static gsize gmime_once;

static void gmime_setup(void) {
  if (g_once_init_enter(&gmime_once)) {
    g_mime_init();
    g_once_init_leave(&gmime_once, 1);
  }
}

/* ---- header helpers ----------------------------------------------------- */

/* Decode RFC 2047 words to UTF-8 (new string). */
static char *decode_text(const char *raw) {
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

static char *lower_dup(const char *s) {
  char *d = xstrdup(s);
  for (char *p = d; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  return d;
}

static void anomaly(ms_msg_parser *p, const char *name, const char *fmt,
                    const char *arg);
static void limit_anomaly(ms_msg_parser *p, ms_limit which, const char *name,
                          const char *fmt, const char *arg);

/* The address header `name` of the message, into v. */
static void address_field(ms_msg_parser *p, ms_addrvec *v, const char *name,
                          const char *value) {
  if (!parse_addresses(v, value))
    limit_anomaly(p, MS_LIMIT_LIST, "record_limit",
                  "more than 1000 %s addresses: later ones are not recorded",
                  name);
}

/* RFC 5322 fields of the message itself. */
static void message_field(ms_msg_parser *p, const char *name, char *v) {
  ms_message *m = p->out;
  size_t vl = strlen(v);
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
    m->subject = decode_text(v);
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
    m->user_agent = decode_text(v);
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

/* ---- entity headers ----------------------------------------------------- */

typedef struct {
  char *content_type; /* "type/subtype", lower case */
  char *boundary, *charset, *name;
  char *disposition, *filename;
  char *encoding;
} entity_info;

static void entity_info_free(entity_info *e) {
  free(e->content_type);
  free(e->boundary);
  free(e->charset);
  free(e->name);
  free(e->disposition);
  free(e->filename);
  free(e->encoding);
}

static char *param(const GMimeParamList *list, const char *name) {
  if (!list)
    return NULL;
  GMimeParam *prm =
      g_mime_param_list_get_parameter((GMimeParamList *)list, name);
  const char *v = prm ? g_mime_param_get_value(prm) : NULL;
  return v ? xstrdup(v) : NULL;
}

static void content_type_field(entity_info *e, const char *v) {
  fields_param want[3] = {
      {"boundary", NULL}, {"charset", NULL}, {"name", NULL}};
  char *type;
  if (fields_typed_params(v, true, &type, want, 3)) {
    free(e->content_type); /* a repeated Content-Type: the last one counts */
    free(e->boundary);
    free(e->charset);
    free(e->name);
    e->content_type = type;
    e->boundary = want[0].value;
    e->charset = want[1].value;
    e->name = want[2].value;
    return;
  }
  GMimeContentType *ct = g_mime_content_type_parse(NULL, v);
  if (!ct)
    return;
  char *mt = g_mime_content_type_get_mime_type(ct);
  free(e->content_type);
  e->content_type = mt ? lower_dup(mt) : NULL;
  g_free(mt);
  GMimeParamList *params = g_mime_content_type_get_parameters(ct);
  free(e->boundary); /* a repeated Content-Type: the last one counts */
  free(e->charset);
  free(e->name);
  e->boundary = param(params, "boundary");
  e->charset = param(params, "charset");
  e->name = param(params, "name");
  g_object_unref(ct);
}

static void disposition_field(entity_info *e, const char *v) {
  fields_param want = {"filename", NULL};
  char *type;
  if (fields_typed_params(v, false, &type, &want, 1)) {
    free(e->disposition); /* repeated: the last one counts */
    free(e->filename);
    e->disposition = type;
    e->filename = want.value;
    return;
  }
  GMimeContentDisposition *cd = g_mime_content_disposition_parse(NULL, v);
  if (!cd)
    return;
  const char *d = g_mime_content_disposition_get_disposition(cd);
  free(e->disposition); /* repeated: the last one counts */
  free(e->filename);
  e->disposition = d ? lower_dup(d) : NULL;
  e->filename =
      param(g_mime_content_disposition_get_parameters(cd), "filename");
  g_object_unref(cd);
}

/* Walk the header block: unfold, dispatch. */
static void parse_header_block(ms_msg_parser *p, entity_info *e) {
  char *h = p->headers;
  size_t n = p->headers_len;
  size_t i = 0;
  char *value = xmalloc(n + 1);
  while (i < n) {
    size_t line_end = i;
    /* a field: name ':' value, continued by lines starting with WSP */
    size_t v = 0;
    size_t name_end = i;
    while (name_end < n && h[name_end] != ':' && h[name_end] != '\n')
      name_end++;
    line_end = name_end;
    while (line_end < n) {
      size_t nl = line_end;
      while (nl < n && h[nl] != '\n')
        nl++;
      line_end = nl + 1;
      if (line_end >= n || (h[line_end] != ' ' && h[line_end] != '\t'))
        break;
    }
    if (line_end > n)
      line_end = n;
    if (name_end >= line_end || h[name_end] != ':') {
      i = line_end; /* not a field: skip */
      continue;
    }
    for (size_t k = name_end + 1; k < line_end; k++) {
      char c = h[k];
      if (c == '\r' || c == '\n')
        continue;
      if (c == '\t')
        c = ' ';
      if (c == '\0')
        c = ' ';
      value[v++] = c;
    }
    value[v] = '\0';
    char *val = value;
    while (*val == ' ')
      val++;
    size_t vl = strlen(val);
    while (vl && val[vl - 1] == ' ')
      val[--vl] = '\0';
    char name[80];
    size_t nl = name_end - i < sizeof name - 1 ? name_end - i : sizeof name - 1;
    memcpy(name, h + i, nl);
    while (nl && (name[nl - 1] == ' ' || name[nl - 1] == '\t'))
      nl--;
    name[nl] = '\0';
    if (!strcasecmp(name, "Content-Type")) {
      content_type_field(e, val);
      if (p->top_level && !p->out->content_type && e->content_type)
        p->out->content_type = xstrdup(e->content_type);
    } else if (!strcasecmp(name, "Content-Disposition")) {
      disposition_field(e, val);
    } else if (!strcasecmp(name, "Content-Transfer-Encoding")) {
      free(e->encoding);
      e->encoding = lower_dup(val);
    }
    if (p->top_level)
      message_field(p, name, val);
    i = line_end;
  }
  free(value);
}

/* ---- leaf parts and attachments ----------------------------------------- */

/* The message's own bytes held back for hashing (see ms_msg_feed) go in
 * with an attachment's decoded bytes: the two hash side by side. */
static void hash_with_held(ms_msg_parser *p, part_output *o, const uint8_t *d,
                           size_t n) {
  ms_hash_update2(o->hash, d, n, p->hash, p->held, p->held_len);
  p->held_len = 0;
}

static void output_flush(ms_msg_parser *p, part_output *o) {
  if (!o->batch_len)
    return;
  hash_with_held(p, o, o->batch, o->batch_len);
  if (o->file && p->cfg->sink)
    p->cfg->sink->write(o->file, o->batch, o->batch_len);
  o->batch_len = 0;
}

static void output_write(ms_msg_parser *p, part_output *o, const uint8_t *d,
                         size_t n) {
  if (o->part >= 0)
    p->out->parts.items[o->part].bytes += n;
  if (o->attachment < 0)
    return;
  p->out->attachments.items[o->attachment].bytes += n;
  if (o->batch_len + n > OUTPUT_BATCH)
    output_flush(p, o);
  if (n >= OUTPUT_BATCH) { /* large runs go straight through */
    hash_with_held(p, o, d, n);
    if (o->file && p->cfg->sink)
      p->cfg->sink->write(o->file, d, n);
    return;
  }
  memcpy(o->batch + o->batch_len, d, n);
  o->batch_len += n;
}

/* Part `part` is an attachment: list it, start its digests and file. */
static void output_attach(ms_msg_parser *p, part_output *o, int part) {
  ms_attachment *a = vec_push(&p->out->attachments);
  const ms_part *pt = &p->out->parts.items[part];
  a->filename = pt->filename ? xstrdup(pt->filename) : NULL;
  a->content_type = xstrdup(pt->content_type);
  a->disposition = pt->disposition ? xstrdup(pt->disposition) : NULL;
  a->encoding = pt->encoding ? xstrdup(pt->encoding) : NULL;
  a->part = part;
  o->attachment = (int)p->out->attachments.len - 1;
  o->hash = ms_hash_new(true);
  ms_hash_add_sha1(o->hash);
  o->batch = p->spare_batch ? p->spare_batch : xmalloc(OUTPUT_BATCH);
  p->spare_batch = NULL;
  o->batch_len = 0;
  o->file = NULL;
  if (p->cfg->sink)
    o->file = p->cfg->sink->open(p->cfg->sink->ctx, p->s, p->label, "att",
                                 o->attachment, a->filename);
}

/* The name an extracted file got, asked before it is closed (NULL when it
 * could not be written: the sink removed it). */
static char *extracted_name(const ms_msg_sink *sink, void *file) {
  const char *name = file && sink->name ? sink->name(file) : NULL;
  return name ? xstrdup(name) : NULL;
}

static void output_close(ms_msg_parser *p, part_output *o) {
  if (o->attachment >= 0) {
    output_flush(p, o);
    if (!p->spare_batch)
      p->spare_batch = o->batch;
    else
      free(o->batch);
    o->batch = NULL;
    ms_attachment *a = &p->out->attachments.items[o->attachment];
    ms_hash_final3(o->hash, a->md5, a->sha1, a->sha256);
    o->hash = NULL;
    if (o->file && p->cfg->sink) {
      a->extracted = extracted_name(p->cfg->sink, o->file);
      p->cfg->sink->close(o->file);
    }
    o->file = NULL;
  }
  o->part = o->attachment = -1;
}

static void leaf_output(void *ctx, const uint8_t *d, size_t n) {
  ms_msg_parser *p = ctx;
  output_write(p, &p->leaf, d, n);
}

static void leaf_content(ms_msg_parser *p, const uint8_t *d, size_t n) {
  switch (p->enc) {
  case ENC_BASE64:
    b64_stream_feed(&p->b64, d, n, leaf_output, p);
    break;
  case ENC_QP:
    qp_stream_feed(&p->qp, d, n, leaf_output, p);
    break;
  default:
    leaf_output(p, d, n);
  }
}

static bool listed(const ms_message *m, const char *name) {
  for (size_t i = 0; i < m->anomalies.len; i++)
    if (!strcmp(m->anomalies.items[i], name))
      return true;
  return false;
}

/* A message-level finding: once per message. */
static void anomaly(ms_msg_parser *p, const char *name, const char *fmt,
                    const char *arg) {
  if (listed(p->out, name))
    return;
  strvec_push(&p->out->anomalies, name);
  ms_add_anomaly(p->s, name, p->ts, fmt, arg);
}

/* A limit hit: once per message and limit, counted in the stats. */
static void limit_anomaly(ms_msg_parser *p, ms_limit which, const char *name,
                          const char *fmt, const char *arg) {
  if (p->limits_raised & (1u << which))
    return;
  p->limits_raised |= 1u << which;
  if (!listed(p->out, name))
    strvec_push(&p->out->anomalies, name);
  ms_limit_hit(p->s, which, name, p->ts, fmt, arg);
}

static void end_leaf(ms_msg_parser *p) {
  if (p->leaf.part < 0)
    return;
  if (p->enc == ENC_QP)
    qp_stream_finish(&p->qp, leaf_output, p);
  if (p->enc == ENC_BASE64 &&
      (p->b64.invalid || b64_stream_incomplete(&p->b64)))
    anomaly(p, "bad_base64", "%s",
            "a base64 part holds bytes that are not base64");
  output_close(p, &p->leaf);
  p->pending_eol = false;
}

static bool is_attachment(const entity_info *e) {
  if (e->disposition && !strcmp(e->disposition, "attachment"))
    return true;
  return e->filename || e->name;
}

static int add_part(ms_msg_parser *p, const entity_info *e, int parent) {
  if (p->out->parts.len >= p->cfg->max_mime_parts) {
    limit_anomaly(p, MS_LIMIT_MIME_PARTS, "mime_too_many_parts",
                  "more parts than %s: later ones are not listed",
                  "--max-mime-parts");
    return -1;
  }
  ms_part *pt = vec_push(&p->out->parts);
  pt->index = (int)p->out->parts.len - 1;
  pt->parent = parent;
  pt->depth = p->depth;
  pt->content_type = xstrdup(e->content_type ? e->content_type : "text/plain");
  pt->charset = e->charset ? xstrdup(e->charset) : NULL;
  pt->encoding = e->encoding ? xstrdup(e->encoding) : NULL;
  pt->disposition = e->disposition ? xstrdup(e->disposition) : NULL;
  const char *fn = e->filename ? e->filename : e->name;
  pt->filename = fn ? decode_text(fn) : NULL;
  return pt->index;
}

static void begin_leaf(ms_msg_parser *p, const entity_info *e, int part) {
  p->leaf.part = part;
  p->leaf.attachment = -1;
  p->enc = ENC_IDENTITY;
  if (e->encoding && strstr(e->encoding, "base64"))
    p->enc = ENC_BASE64;
  else if (e->encoding && strstr(e->encoding, "quoted-printable"))
    p->enc = ENC_QP;
  b64_stream_init(&p->b64);
  qp_stream_init(&p->qp);
  p->pending_eol = false;
  if (part >= 0 && is_attachment(e))
    output_attach(p, &p->leaf, part);
}

/* ---- message/rfc822 parts ---------------------------------------------- */

static void rfc822_begin(ms_msg_parser *p, const entity_info *e, int part) {
  if (part < 0 || p->rfc822.len >= MAX_RFC822_FRAMES)
    return;
  rfc822_frame *f = vec_push(&p->rfc822);
  memset(f, 0, sizeof *f);
  f->out.part = part;
  f->out.attachment = -1;
  f->stack_len = p->stack.len;
  if (is_attachment(e))
    output_attach(p, &f->out, part);
}

/* One line (or a piece of an over-long one) inside the open rfc822 parts. */
static void rfc822_feed(ms_msg_parser *p, const uint8_t *d, size_t n) {
  bool has_eol = n > 0 && d[n - 1] == '\n';
  size_t e = !has_eol ? 0 : n >= 2 && d[n - 2] == '\r' ? 2 : 1;
  for (size_t i = 0; i < p->rfc822.len; i++) {
    rfc822_frame *f = &p->rfc822.items[i];
    if (f->pending_eol)
      output_write(p, &f->out, f->eol, f->eol_len);
    output_write(p, &f->out, d, n - e);
    f->pending_eol = has_eol;
    memcpy(f->eol, d + n - e, e);
    f->eol_len = e;
  }
}

/* Close the rfc822 parts that a boundary of the multipart at stack index
 * `level` ends: those that began inside it (-1: all of them, the message
 * ended).  keep_eol: the held line end is content, no boundary follows. */
static void rfc822_end(ms_msg_parser *p, int level, bool keep_eol) {
  while (p->rfc822.len &&
         (int)p->rfc822.items[p->rfc822.len - 1].stack_len > level) {
    rfc822_frame *f = &p->rfc822.items[p->rfc822.len - 1];
    if (keep_eol && f->pending_eol)
      output_write(p, &f->out, f->eol, f->eol_len);
    output_close(p, &f->out);
    p->rfc822.len--;
  }
}

/* Past --max-headers a field is still kept when it is the first of its
 * name among the fields kept past the limit and one that mailscope reports
 * or needs for the MIME structure: a flood of junk fields cannot hide the
 * Content-Type that follows it. */
static bool kept_past_limit(ms_msg_parser *p, const uint8_t *d, size_t n) {
  static const char *const names[] = {"Content-Type",
                                      "Content-Transfer-Encoding",
                                      "Content-Disposition",
                                      "From",
                                      "To",
                                      "Cc",
                                      "Reply-To",
                                      "Subject",
                                      "Date",
                                      "Message-ID",
                                      "In-Reply-To",
                                      "References",
                                      "User-Agent",
                                      "X-Mailer",
                                      "X-Originating-IP",
                                      "Return-Path"};
  const uint8_t *colon = memchr(d, ':', n);
  if (!colon)
    return false;
  size_t len = (size_t)(colon - d);
  while (len && (d[len - 1] == ' ' || d[len - 1] == '\t'))
    len--;
  for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strlen(names[i]) == len &&
        !strncasecmp((const char *)d, names[i], len)) {
      bool first = !(p->fields_seen & (1u << i));
      p->fields_seen |= 1u << i;
      return first;
    }
  return false;
}

/* A header line begins: a new field, or the continuation of the last one
 * (which shares its fate).  Fields are counted; past --max-headers they
 * are not kept (see kept_past_limit). */
static void header_line_start(ms_msg_parser *p, const uint8_t *d, size_t n) {
  if (n && (d[0] == ' ' || d[0] == '\t'))
    return;
  p->header_fields++;
  p->header_skip =
      p->header_fields > p->cfg->max_headers && !kept_past_limit(p, d, n);
}

/* The header block of an entity is complete. */
static void end_headers(ms_msg_parser *p) {
  if (p->header_fields > p->cfg->max_headers) {
    char detail[160];
    snprintf(detail, sizeof detail,
             "a header block of %llu fields: past --max-headers %zu, only "
             "the first of each reported field is kept",
             (unsigned long long)p->header_fields, p->cfg->max_headers);
    limit_anomaly(p, MS_LIMIT_HEADERS, "too_many_headers", "%s", detail);
  }
  p->header_fields = 0;
  p->fields_seen = 0;
  p->header_skip = false;
  entity_info e = {0};
  parse_header_block(p, &e);
  p->headers_len = 0;
  p->headers_overflow = false;
  /* The parent is the innermost open container: a multipart, or the
   * message/rfc822 part whose enclosed message this entity begins (no
   * multipart opened inside it since). */
  int parent = p->stack.len ? p->stack.items[p->stack.len - 1].part : -1;
  if (p->rfc822.len &&
      p->rfc822.items[p->rfc822.len - 1].stack_len >= p->stack.len)
    parent = p->rfc822.items[p->rfc822.len - 1].out.part;
  int part = add_part(p, &e, parent);
  bool multipart = e.content_type && !strncmp(e.content_type, "multipart/", 10);
  bool rfc822 = e.content_type && !strcmp(e.content_type, "message/rfc822");
  p->top_level = false;
  if (multipart && e.boundary && *e.boundary &&
      strlen(e.boundary) <= MAX_BOUNDARY) {
    if (p->depth >= p->cfg->max_mime_depth) {
      limit_anomaly(p, MS_LIMIT_MIME_DEPTH, "mime_too_deep",
                    "nesting deeper than %s: the deeper part is opaque",
                    "--max-mime-depth");
      begin_leaf(p, &e, part);
      p->st = S_LEAF;
    } else {
      mp_frame *f = vec_push(&p->stack);
      f->boundary = xstrdup(e.boundary);
      f->depth = p->depth;
      f->part = part;
      p->st = S_PREAMBLE;
    }
  } else if (rfc822 && p->depth < p->cfg->max_mime_depth) {
    /* RFC 2046 allows no base64 / quoted-printable here: a message/rfc822
     * part claiming one is still parsed as a message (an evasion trick:
     * suricata-verify "mime"), its bytes listed as they are. */
    rfc822_begin(p, &e, part);
    p->depth++; /* the body is a message: headers again */
    p->st = S_HEADERS;
  } else {
    if (multipart)
      anomaly(p, "mime_missing_boundary", "%s without a boundary parameter",
              e.content_type);
    else if (rfc822) /* nested deeper than the limit: opaque */
      limit_anomaly(p, MS_LIMIT_MIME_DEPTH, "mime_too_deep",
                    "nesting deeper than %s: the deeper part is opaque",
                    "--max-mime-depth");
    begin_leaf(p, &e, part);
    p->st = S_LEAF;
  }
  entity_info_free(&e);
}

/* Append raw bytes to the header block, bounded: the block keeps its first
 * max_message_bytes - 1 bytes and nothing after them, however the bytes
 * were cut into pieces (lines over LINE_CARRY arrive in pieces whose size
 * depends on the segments). */
static void header_append(ms_msg_parser *p, const uint8_t *d, size_t n) {
  if (p->header_skip || p->headers_overflow)
    return;
  size_t max = p->cfg->max_message_bytes;
  size_t room = max > p->headers_len + 1 ? max - p->headers_len - 1 : 0;
  if (n > room) {
    limit_anomaly(p, MS_LIMIT_MESSAGE_BYTES, "header_too_large",
                  "a header block is larger than %s: the rest is skipped",
                  "--max-message-bytes");
    p->headers_overflow = true;
    n = room;
  }
  if (p->headers_len + n + 1 > p->headers_cap) {
    size_t cap = p->headers_cap ? p->headers_cap * 2 : 4096;
    while (cap < p->headers_len + n + 1)
      cap *= 2;
    p->headers = xrealloc(p->headers, cap);
    p->headers_cap = cap;
  }
  memcpy(p->headers + p->headers_len, d, n);
  p->headers_len += n;
}

static void header_line(ms_msg_parser *p, const uint8_t *d, size_t n,
                        bool has_eol) {
  size_t content = n;
  while (content && (d[content - 1] == '\n' || d[content - 1] == '\r'))
    content--;
  if (content == 0 && has_eol) {
    end_headers(p);
    return;
  }
  header_line_start(p, d, n);
  header_append(p, d, n);
  if (!has_eol)
    header_append(p, (const uint8_t *)"\n", 1);
}

/* Is this line a boundary of an open multipart?  Returns the stack index
 * (and whether it closes), or -1. */
static int boundary_match(ms_msg_parser *p, const uint8_t *d, size_t n,
                          bool *closing) {
  if (n < 3 || d[0] != '-' || d[1] != '-')
    return -1;
  while (n && (d[n - 1] == '\n' || d[n - 1] == '\r' || d[n - 1] == ' ' ||
               d[n - 1] == '\t'))
    n--;
  for (int i = (int)p->stack.len - 1; i >= 0; i--) {
    const char *b = p->stack.items[i].boundary;
    size_t bl = strlen(b);
    if (n >= bl + 2 && !memcmp(d + 2, b, bl)) {
      if (n == bl + 2) {
        *closing = false;
        return i;
      }
      if (n == bl + 4 && d[bl + 2] == '-' && d[bl + 3] == '-') {
        *closing = true;
        return i;
      }
    }
  }
  return -1;
}

static void on_boundary(ms_msg_parser *p, int level, bool closing,
                        const uint8_t *d, size_t n) {
  end_leaf(p);
  rfc822_end(p, level, false);
  if (p->rfc822.len) /* a boundary inside the rfc822 parts still open */
    rfc822_feed(p, d, n);
  while ((int)p->stack.len - 1 > level) { /* inner multiparts left open */
    anomaly(p, "mime_missing_end_boundary", "%s", "a multipart was not closed");
    free(p->stack.items[p->stack.len - 1].boundary);
    p->stack.len--;
  }
  p->depth = p->stack.items[level].depth + 1;
  if (closing) {
    free(p->stack.items[level].boundary);
    p->stack.len--;
    p->depth = p->stack.len ? p->stack.items[p->stack.len - 1].depth + 1 : 0;
    p->st = S_PREAMBLE; /* the epilogue */
  } else {
    p->st = S_HEADERS;
  }
}

/* One line (with its end, if it has one) of the message. */
static void line(ms_msg_parser *p, const uint8_t *d, size_t n, bool has_eol) {
  bool closing;
  int level = p->stack.len ? boundary_match(p, d, n, &closing) : -1;
  if (level >= 0) {
    if (p->st == S_HEADERS) { /* a part with headers only */
      end_headers(p);
      end_leaf(p);
    }
    on_boundary(p, level, closing, d, n);
    return;
  }
  if (p->rfc822.len)
    rfc822_feed(p, d, n);
  if (p->st == S_HEADERS) {
    header_line(p, d, n, has_eol);
    return;
  }
  if (p->st != S_LEAF)
    return; /* preamble / epilogue: ignored */
  /* The line end before a boundary belongs to the boundary: hold it. */
  if (p->pending_eol)
    leaf_content(p, p->eol, p->eol_len);
  size_t content = n;
  if (has_eol) {
    size_t e = 1;
    if (content >= 2 && d[content - 2] == '\r')
      e = 2;
    content -= e;
    memcpy(p->eol, d + content, e);
    p->eol_len = e;
  }
  p->pending_eol = has_eol;
  leaf_content(p, d, content);
}

/* A piece of an over-long line: content only (never a boundary).  The
 * last piece ends with the line end, held back like any other. */
static void long_piece_out(ms_msg_parser *p, const uint8_t *d, size_t n) {
  bool has_eol = n > 0 && d[n - 1] == '\n';
  bool line_start = p->long_line_start && n > 0;
  if (n > 0)
    p->long_line_start = false;
  if (p->rfc822.len)
    rfc822_feed(p, d, n);
  if (p->st == S_LEAF) {
    if (p->pending_eol) {
      leaf_content(p, p->eol, p->eol_len);
      p->pending_eol = false;
    }
    size_t content = n;
    if (has_eol) {
      size_t e = content >= 2 && d[content - 2] == '\r' ? 2 : 1;
      content -= e;
      memcpy(p->eol, d + content, e);
      p->eol_len = e;
      p->pending_eol = true;
    }
    leaf_content(p, d, content);
  } else if (p->st == S_HEADERS) {
    if (line_start)
      header_line_start(p, d, n);
    header_append(p, d, n); /* a long header line, piece by piece */
  }
}

/* A piece of an over-long line, cut where the segments were.  A CR at the
 * end of a piece is held back: when the next piece is the LF, the pair is
 * the line end, which belongs to a boundary after it, as it does when the
 * line arrives whole (fuzz_message finding: the CR became content, so an
 * attachment's size and digests depended on the segmentation). */
static void long_line_piece(ms_msg_parser *p, const uint8_t *d, size_t n) {
  if (p->long_line_cr) {
    p->long_line_cr = false;
    if (n == 1 && d[0] == '\n') {
      long_piece_out(p, (const uint8_t *)"\r\n", 2);
      return;
    }
    long_piece_out(p, (const uint8_t *)"\r", 1);
  }
  if (n > 0 && d[n - 1] == '\r') {
    p->long_line_cr = true;
    n--;
  }
  if (n > 0)
    long_piece_out(p, d, n);
}

/* The length of the whole lines at d that cannot be boundaries (they do
 * not start with '-'): inside a leaf they are all content. */
static size_t leaf_run_length(const uint8_t *d, const uint8_t *end) {
  if (d == end || *d == '-')
    return 0;
  const uint8_t *dash_line = scan_pair(d, end, '\n', '-');
  if (dash_line)
    return (size_t)(dash_line + 1 - d);
  const uint8_t *nl = memrchr(d, '\n', (size_t)(end - d));
  return nl ? (size_t)(nl + 1 - d) : 0;
}

/* Whole content lines of a leaf in one go: the same as line() for each of
 * them (the decoders are streams), with the last line end held back. */
static void leaf_lines(ms_msg_parser *p, const uint8_t *d, size_t n) {
  if (p->pending_eol)
    leaf_content(p, p->eol, p->eol_len);
  size_t e = n >= 2 && d[n - 2] == '\r' ? 2 : 1;
  memcpy(p->eol, d + n - e, e);
  p->eol_len = e;
  p->pending_eol = true;
  leaf_content(p, d, n - e);
}

/* ---- interface ---------------------------------------------------------- */

ms_msg_parser *ms_msg_begin(ms_session *s, ms_message *out,
                            const ms_dissect_config *cfg, const char *label,
                            ms_ts ts) {
  gmime_setup();
  ms_msg_parser *p;
  if (spare_count) { /* clear all but the buffers */
    p = spare_parsers[--spare_count];
    char *headers = p->headers;
    size_t headers_cap = p->headers_cap;
    uint8_t *batch = p->spare_batch, *held = p->held;
    memset(p, 0, offsetof(ms_msg_parser, carry));
    p->headers = headers;
    p->headers_cap = headers_cap;
    p->spare_batch = batch;
    p->held = held;
  } else {
    p = xmalloc(sizeof *p); /* the carry needs no clearing */
    memset(p, 0, offsetof(ms_msg_parser, carry));
  }
  p->s = s;
  p->out = out;
  p->cfg = cfg;
  p->ts = ts;
  snprintf(p->label, sizeof p->label, "%s", label);
  p->hash = ms_hash_new(false);
  p->st = S_HEADERS;
  p->top_level = true;
  p->leaf.part = p->leaf.attachment = -1;
  if (cfg->sink)
    p->eml = cfg->sink->open(cfg->sink->ctx, s, label, "eml", 0, NULL);
  return p;
}

void ms_msg_feed(ms_msg_parser *p, const uint8_t *data, size_t n, ms_ts ts) {
  p->ts = ts;
  p->out->bytes += n;
  /* Inside an attachment the message's bytes are held back and hashed
   * with the attachment's decoded bytes (hash_with_held); elsewhere, and
   * when the holding buffer is full, they are hashed at once, in order.
   * Only the SHA-extension path gains by it (EVP hashes one by one). */
  bool hold = p->st == S_LEAF && p->leaf.hash && ms_hash_accelerated();
  if (hold && !p->held)
    p->held = xmalloc(HELD_BYTES);
  if (hold && p->held_len + n > HELD_BYTES)
    output_flush(p, &p->leaf); /* the batch so far takes the held bytes */
  if (!hold || p->held_len + n > HELD_BYTES) {
    ms_hash_update(p->hash, p->held, p->held_len);
    p->held_len = 0;
  }
  if (hold && n <= HELD_BYTES) {
    memcpy(p->held + p->held_len, data, n);
    p->held_len += n;
  } else {
    ms_hash_update(p->hash, data, n);
  }
  if (p->eml)
    p->cfg->sink->write(p->eml, data, n);
  const uint8_t *cur = data, *end = data + n;
  while (cur < end) {
    if (p->st == S_LEAF && !p->rfc822.len && !p->carry_len &&
        !p->carry_is_content) {
      size_t run = leaf_run_length(cur, end);
      if (run) {
        leaf_lines(p, cur, run);
        cur += run;
        continue;
      }
    }
    const uint8_t *nl = memchr(cur, '\n', (size_t)(end - cur));
    size_t take = nl ? (size_t)(nl + 1 - cur) : (size_t)(end - cur);
    if (p->carry_is_content) {
      long_line_piece(p, cur, take);
      if (nl)
        p->carry_is_content = false;
    } else if (p->carry_len + take > LINE_CARRY) {
      /* too long to be a boundary: content.  Its first piece is always
       * the line's first LINE_CARRY bytes, however it arrived: the field
       * name of a header line is read from it. */
      size_t fill = LINE_CARRY - p->carry_len;
      memcpy(p->carry + p->carry_len, cur, fill);
      p->long_line_start = true;
      long_line_piece(p, p->carry, LINE_CARRY);
      p->carry_len = 0;
      long_line_piece(p, cur + fill, take - fill);
      p->carry_is_content = nl == NULL;
    } else if (nl && p->carry_len == 0) {
      line(p, cur, take, true);
    } else {
      memcpy(p->carry + p->carry_len, cur, take);
      p->carry_len += take;
      if (nl) {
        line(p, p->carry, p->carry_len, true);
        p->carry_len = 0;
      }
    }
    cur += take;
  }
}

void ms_msg_set_preview(ms_msg_parser *p) { p->preview = true; }

void ms_msg_end(ms_msg_parser *p, bool truncated, ms_ts ts) {
  p->ts = ts;
  if (p->long_line_cr) { /* the message ended after the CR */
    p->long_line_cr = false;
    long_piece_out(p, (const uint8_t *)"\r", 1);
  }
  if (p->carry_len)
    line(p, p->carry, p->carry_len, false);
  if (p->st == S_HEADERS && truncated && p->top_level)
    p->out->headers_cut = true;
  if (p->st == S_HEADERS && p->headers_len)
    end_headers(p); /* a message with headers only */
  if (p->pending_eol && p->st == S_LEAF)
    leaf_content(p, p->eol, p->eol_len);
  p->pending_eol = false;
  end_leaf(p);
  rfc822_end(p, -1, true);
  vec_free(&p->rfc822);
  if (p->stack.len && !truncated && !p->preview)
    anomaly(p, "mime_missing_end_boundary", "%s",
            "the message ended inside a multipart");
  for (size_t i = 0; i < p->stack.len; i++)
    free(p->stack.items[i].boundary);
  vec_free(&p->stack);
  p->out->truncated = truncated;
  ms_hash_update(p->hash, p->held, p->held_len);
  ms_hash_final(p->hash, NULL, p->out->sha256);
  if (p->eml) {
    p->out->extracted = extracted_name(p->cfg->sink, p->eml);
    p->cfg->sink->close(p->eml);
  }
  free(p->leaf.batch);
  if (p->headers_cap > 65536) { /* a huge header block: not kept */
    free(p->headers);
    p->headers = NULL;
    p->headers_cap = 0;
  }
  if (spare_count < SPARE_PARSERS) {
    spare_parsers[spare_count++] = p;
    return;
  }
  free(p->spare_batch);
  free(p->held);
  free(p->headers);
  free(p);
}

/* ---- envelope checks ---------------------------------------------------- */

/* Record a message-level finding name once (the detail of every occurrence
 * goes to the session's anomaly list). */
static void note_anomaly(ms_message *m, const char *name) {
  for (size_t i = 0; i < m->anomalies.len; i++)
    if (!strcmp(m->anomalies.items[i], name))
      return;
  strvec_push(&m->anomalies, name);
}

static bool named_in(const ms_addrvec *v, const char *addr) {
  for (size_t i = 0; i < v->len; i++)
    if (v->items[i].address && !strcasecmp(v->items[i].address, addr))
      return true;
  return false;
}

/* Host names compare case-insensitively, without a trailing dot or the
 * brackets of an address literal. */
static bool same_host(const char *a, const char *b) {
  if (!a || !b)
    return false;
  size_t al = strlen(a), bl = strlen(b);
  if (al > 1 && a[0] == '[' && a[al - 1] == ']')
    a++, al -= 2;
  if (bl > 1 && b[0] == '[' && b[bl - 1] == ']')
    b++, bl -= 2;
  if (al && a[al - 1] == '.')
    al--;
  if (bl && b[bl - 1] == '.')
    bl--;
  return al == bl && al > 0 && !strncasecmp(a, b, al);
}

/* Did the hop whose "from" clause is in `sent` come from the host that
 * wrote `received` ("by")?  The from clause names the client three ways:
 * its HELO name, its reverse DNS in the comment, its IP. */
static bool hop_links(const ms_received *sent, const ms_received *received) {
  return same_host(sent->from, received->by) ||
         same_host(sent->rdns, received->by) ||
         same_host(sent->ip, received->by);
}

/* Names that say nothing about a host's identity: several hosts use them. */
static bool anonymous_host(const char *h) {
  static const char *const names[] = {"unknown", "localhost",
                                      "localhost.localdomain", "localhost."};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcasecmp(h, names[i]))
      return true;
  return h[0] == '[' || strchr(h, '.') == NULL;
}

/* All hops linked the wrong way round: each hop's "by" is the "from" of
 * the one below it (oldest on top).  No MTA writes that: the headers were
 * composed by hand or by a generator. */
static bool chain_reversed(const ms_message *m) {
  size_t linked = 0;
  for (size_t i = 0; i + 1 < m->received.len; i++) {
    const ms_received *upper = &m->received.items[i];
    const ms_received *lower = &m->received.items[i + 1];
    if (!upper->by || !(lower->from || lower->rdns || lower->ip))
      continue;
    if (!hop_links(lower, upper))
      return false;
    linked++;
  }
  return linked > 0;
}

static void check_received_chain(ms_session *s, ms_message *m, ms_ts ts) {
  /* Hop 1 is the top (newest).  Hop i was sent by hop i+1's receiver, so
   * hop i's "from" should name hop i+1's "by". */
  bool reported_reversed = false;
  for (size_t i = 0; i + 1 < m->received.len; i++) {
    const ms_received *newer = &m->received.items[i];
    const ms_received *older = &m->received.items[i + 1];
    if (!(newer->from || newer->rdns || newer->ip) || !older->by)
      continue;
    if (hop_links(newer, older))
      continue;
    if (chain_reversed(m)) {
      if (!reported_reversed)
        ms_add_anomaly(s, "received_chain_break", ts,
                       "the %zu Received headers are in reverse order (hop 1, "
                       "on top, is the oldest): no MTA adds them that way",
                       m->received.len);
      reported_reversed = true;
    } else {
      ms_add_anomaly(s, "received_chain_break", ts,
                     "hop %zu came from %s, but hop %zu was received by %s: "
                     "hops %zu and below are not vouched for",
                     i + 1, newer->from ? newer->from : newer->ip, i + 2,
                     older->by, i + 2);
    }
    note_anomaly(m, "received_chain_break");
  }
  for (size_t i = 0; i < m->received.len; i++) {
    const ms_received *a = &m->received.items[i];
    if (!a->from || !a->ip || anonymous_host(a->from))
      continue;
    for (size_t j = i + 1; j < m->received.len; j++) {
      const ms_received *b = &m->received.items[j];
      if (b->from && b->ip && same_host(a->from, b->from) &&
          strcasecmp(a->ip, b->ip) != 0) {
        ms_add_anomaly(s, "received_host_ip_conflict", ts,
                       "%s is %s in hop %zu but %s in hop %zu", a->from, a->ip,
                       i + 1, b->ip, j + 1);
        note_anomaly(m, "received_host_ip_conflict");
      }
    }
  }
}

void ms_msg_check_envelope(ms_session *s, ms_message *m, const char *mail_from,
                           const strvec *rcpt_to, ms_ts ts) {
  if (m->headers_cut) { /* From, To, Cc may be cut or missing: no verdict */
    check_received_chain(s, m, ts);
    return;
  }
  if (mail_from && *mail_from && m->from.len &&
      !named_in(&m->from, mail_from)) {
    ms_add_anomaly(s, "envelope_from_mismatch", ts,
                   "MAIL FROM <%s> but From: %s", mail_from,
                   m->from.items[0].address ? m->from.items[0].address : "?");
    note_anomaly(m, "envelope_from_mismatch");
  }
  for (size_t i = 0; rcpt_to && i < rcpt_to->len; i++) {
    const char *r = rcpt_to->items[i];
    if (!named_in(&m->to, r) && !named_in(&m->cc, r) && !named_in(&m->bcc, r)) {
      ms_address *a = vec_push(&m->bcc);
      a->address = xstrdup(r);
    }
  }
  check_received_chain(s, m, ts);
}

/* ---- summary ------------------------------------------------------------ */

static void thousands(char *out, size_t n, uint64_t v) {
  char digits[32];
  int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
  size_t o = 0;
  for (int i = 0; i < len && o + 2 < n; i++) {
    if (i && (len - i) % 3 == 0)
      out[o++] = ',';
    out[o++] = digits[i];
  }
  out[o] = '\0';
}

char *ms_msg_summary(const ms_message *m) {
  char size[40];
  thousands(size, sizeof size, m->bytes);
  size_t cap = 256;
  for (size_t i = 0; i < m->attachments.len && i < 10; i++)
    cap += (m->attachments.items[i].filename
                ? strlen(m->attachments.items[i].filename)
                : 12) +
           4;
  if (m->subject)
    cap += strlen(m->subject);
  char *out = xmalloc(cap), *o = out;
  o += sprintf(o, "[message: %s bytes", size);
  if (m->subject)
    o += sprintf(o, ", Subject \"%s\"", m->subject);
  if (m->attachments.len) {
    o += sprintf(o, ", %zu attachment%s", m->attachments.len,
                 m->attachments.len == 1 ? "" : "s");
    for (size_t i = 0; i < m->attachments.len && i < 10; i++) {
      const char *fn = m->attachments.items[i].filename;
      o += sprintf(o, "%s%s", i ? ", " : ": ", fn ? fn : "(no name)");
    }
    if (m->attachments.len > 10)
      o += sprintf(o, ", ...");
  }
  if (m->truncated)
    o += sprintf(o, ", truncated");
  sprintf(o, "]");
  return out;
}
