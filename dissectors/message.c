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
 * address lists; digest.c computes the digests; msg_output.c sends a
 * part's decoded bytes to its size, digests and file.  The parser's state
 * is in message_int.h.
 */
#include "message.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "budget.h"
#include "digest.h"
#include "message_int.h"
#include "msg_decode.h"
#include "msg_entity.h"
#include "msg_fields.h"
#include "msg_headers.h"
#include "msg_top.h"
#include "scan.h"
#include "vec.h"

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

/* The header block of an entity: its MIME fields into e (msg_entity.c);
 * the message's own, when it is the top-level one, to message_field. */
static void top_field(void *ctx, const msg_entity *e, const char *name,
                      char *value, bool last) {
  ms_msg_parser *p = ctx;
  if (!strcasecmp(name, "Content-Type") && !p->out->content_type &&
      e->content_type)
    p->out->content_type = xstrdup(e->content_type);
  ms_msg_parser *r = p->root ? p->root : p;
  msg_top t = {p->s, p->out, p->ts, &r->limits_raised};
  msg_top_field(&t, name, value, p->headers_overflow && last);
}

static void parse_header_block(ms_msg_parser *p, msg_entity *e) {
  msg_entity_parse(p->headers, p->headers_len, e,
                   p->top_level ? top_field : NULL, p);
  if (p->top_level)
    headers_decode_text(p->out, e->charset);
}

/* ---- leaf parts --------------------------------------------------------- */

static void parse_bytes(ms_msg_parser *p, const uint8_t *data, size_t n);

/* Decoded bytes of the leaf: its size and digests, and, for an encoded
 * message/rfc822 part, the message they are. */
static void leaf_output(void *ctx, const uint8_t *d, size_t n) {
  ms_msg_parser *p = ctx;
  msg_output_write(p, &p->leaf, d, n);
  if (p->inner) {
    p->inner->ts = p->ts;
    parse_bytes(p->inner, d, n);
  }
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

/* A message-level finding: once per message. */
static void anomaly(ms_msg_parser *p, const char *name, const char *fmt,
                    const char *arg) {
  if (msg_listed(p->out, name))
    return;
  strvec_push(&p->out->anomalies, name);
  ms_add_anomaly(p->s, name, p->ts, fmt, arg);
}

/* A limit hit: once per message and limit, counted in the stats. */
static void limit_anomaly(ms_msg_parser *p, ms_limit which, const char *name,
                          const char *fmt, const char *arg) {
  ms_msg_parser *r = p->root ? p->root : p; /* once per message */
  msg_limit(p->s, p->out, &r->limits_raised, p->ts, which, name, fmt, arg);
}

static void inner_end(ms_msg_parser *outer);

static void end_leaf(ms_msg_parser *p) {
  if (p->leaf.part < 0)
    return;
  if (p->enc == ENC_QP)
    qp_stream_finish(&p->qp, leaf_output, p);
  if (p->enc == ENC_BASE64 &&
      (p->b64.invalid || b64_stream_incomplete(&p->b64)))
    anomaly(p, "bad_base64", "%s",
            "a base64 part holds bytes that are not base64");
  inner_end(p);
  msg_output_close(p, &p->leaf);
  p->pending_eol = false;
}

static bool is_attachment(const msg_entity *e) {
  if (e->disposition && !strcmp(e->disposition, "attachment"))
    return true;
  return e->filename || e->name;
}

static int add_part(ms_msg_parser *p, const msg_entity *e, int parent) {
  if (p->out->parts.len >= p->cfg->max_mime_parts) {
    limit_anomaly(p, MS_LIMIT_MIME_PARTS, "mime_too_many_parts",
                  "more parts than %s: later ones are not listed",
                  "--max-mime-parts");
    return -1;
  }
  if (!ms_record_room(p->s,
                      128 + text_len(e->content_type) + text_len(e->charset) +
                          text_len(e->encoding) + text_len(e->disposition) +
                          text_len(e->filename ? e->filename : e->name),
                      p->ts))
    return -1; /* the record is full: record_truncated */
  ms_part *pt = vec_push(&p->out->parts);
  pt->index = (int)p->out->parts.len - 1;
  pt->parent = parent;
  pt->depth = p->depth;
  pt->content_type = xstrdup(e->content_type ? e->content_type : "text/plain");
  pt->charset = e->charset ? xstrdup(e->charset) : NULL;
  pt->encoding = e->encoding ? xstrdup(e->encoding) : NULL;
  pt->disposition = e->disposition ? xstrdup(e->disposition) : NULL;
  const char *fn = e->filename ? e->filename : e->name;
  pt->filename = fn ? msg_decode_text(fn, e->charset) : NULL;
  return pt->index;
}

static encoding encoding_of(const msg_entity *e) {
  if (e->encoding && strstr(e->encoding, "base64"))
    return ENC_BASE64;
  if (e->encoding && strstr(e->encoding, "quoted-printable"))
    return ENC_QP;
  return ENC_IDENTITY;
}

static void begin_leaf_as(ms_msg_parser *p, int part, encoding enc,
                          bool attach) {
  p->leaf.part = part;
  p->leaf.attachment = -1;
  p->enc = enc;
  b64_stream_init(&p->b64);
  qp_stream_init(&p->qp);
  p->pending_eol = false;
  if (part >= 0 && attach)
    msg_output_attach(p, &p->leaf, part);
}

static void begin_leaf(ms_msg_parser *p, const msg_entity *e, int part) {
  begin_leaf_as(p, part, encoding_of(e), is_attachment(e));
}

/* ---- message/rfc822 parts ---------------------------------------------- */

static void rfc822_begin(ms_msg_parser *p, bool attach, int part) {
  if (part < 0 || p->rfc822.len >= MAX_RFC822_FRAMES)
    return;
  rfc822_frame *f = vec_push(&p->rfc822);
  memset(f, 0, sizeof *f);
  f->out.part = part;
  f->out.attachment = -1;
  f->stack_len = p->stack.len;
  if (attach)
    msg_output_attach(p, &f->out, part);
}

/* One line (or a piece of an over-long one) inside the open rfc822 parts. */
static void rfc822_feed(ms_msg_parser *p, const uint8_t *d, size_t n) {
  bool has_eol = n > 0 && d[n - 1] == '\n';
  size_t e = !has_eol ? 0 : n >= 2 && d[n - 2] == '\r' ? 2 : 1;
  for (size_t i = 0; i < p->rfc822.len; i++) {
    rfc822_frame *f = &p->rfc822.items[i];
    if (f->pending_eol)
      msg_output_write(p, &f->out, f->eol, f->eol_len);
    msg_output_write(p, &f->out, d, n - e);
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
      msg_output_write(p, &f->out, f->eol, f->eol_len);
    msg_output_close(p, &f->out);
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

/* ---- message/rfc822 parts sent encoded ---------------------------------- */

/* RFC 2046 5.2.1 allows a message/rfc822 part no encoding but 7bit, 8bit
 * and binary.  A reader's mail program still decodes one sent base64 or
 * quoted-printable and shows the message inside, attachments and all: so
 * its decoded bytes go to a parser of their own, whose entities hang under
 * the part.  A part that only claims base64 but holds a plain message (an
 * evasion: suricata-verify "mime") is read as it is: its first line, base64
 * or a header, tells which. */
static ms_msg_parser *parser_new(void);
static void parser_free(ms_msg_parser *p);
static void finish_structure(ms_msg_parser *p, bool truncated);

static void inner_begin(ms_msg_parser *p, int part) {
  ms_msg_parser *in = parser_new();
  in->s = p->s;
  in->out = p->out;
  in->cfg = p->cfg;
  in->ts = p->ts;
  memcpy(in->label, p->label, sizeof in->label);
  in->root = p->root ? p->root : p;
  in->st = S_HEADERS;
  in->base_parent = part;
  in->depth = in->base_depth = p->depth + 1;
  in->preview = p->preview;
  p->inner = in;
}

static void inner_end(ms_msg_parser *p) {
  ms_msg_parser *in = p->inner;
  if (!in)
    return;
  p->inner = NULL;
  in->ts = p->ts;
  finish_structure(in, p->ending_cut);
  parser_free(in);
}

static void decoded_message(ms_msg_parser *p, int part, encoding enc,
                            bool attach) {
  anomaly(p, "mime_encoded_message",
          "a message/rfc822 part sent %s (RFC "
          "2046 5.2.1 allows 7bit, 8bit or binary only): decoded, and the "
          "message in it read",
          enc == ENC_BASE64 ? "base64" : "quoted-printable");
  begin_leaf_as(p, part, enc, attach);
  if (part >= 0)
    inner_begin(p, part);
  p->st = S_LEAF;
}

static void plain_message(ms_msg_parser *p, int part, bool attach) {
  rfc822_begin(p, attach, part);
  p->depth++; /* the body is a message: headers again */
  p->st = S_HEADERS;
}

static void rfc822_part(ms_msg_parser *p, const msg_entity *e, int part) {
  encoding enc = encoding_of(e);
  if (enc == ENC_IDENTITY) {
    plain_message(p, part, is_attachment(e));
  } else if (enc == ENC_QP) { /* plain text reads the same decoded */
    decoded_message(p, part, enc, is_attachment(e));
  } else {
    p->encoded.part = part;
    p->encoded.attach = is_attachment(e);
    p->st = S_ENCODED;
  }
}

static bool looks_base64(const uint8_t *d, size_t n) {
  while (n && (d[n - 1] == '\n' || d[n - 1] == '\r'))
    n--;
  if (n < 4)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum(d[i]) && d[i] != '+' && d[i] != '/' && d[i] != '=')
      return false;
  return true;
}

/* S_ENCODED: the part's first line decides; it is then read as decided. */
static void encoded_first_line(ms_msg_parser *p, const uint8_t *d, size_t n) {
  if (looks_base64(d, n)) {
    decoded_message(p, p->encoded.part, ENC_BASE64, p->encoded.attach);
    return;
  }
  anomaly(p, "mime_encoded_message", "%s",
          "a message/rfc822 part claims base64 but holds a plain message: "
          "read as it is");
  plain_message(p, p->encoded.part, p->encoded.attach);
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
  msg_entity e = {0};
  parse_header_block(p, &e);
  p->headers_len = 0;
  p->headers_overflow = false;
  /* The parent is the innermost open container: a multipart, or the
   * message/rfc822 part whose enclosed message this entity begins (no
   * multipart opened inside it since). */
  int parent =
      p->stack.len ? p->stack.items[p->stack.len - 1].part : p->base_parent;
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
    rfc822_part(p, &e, part);
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
  msg_entity_free(&e);
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
 * (and whether it closes), or -1.  A close delimiter followed by more than
 * white space still closes (RFC 2046 5.1.1: the boundary is compared with
 * the beginning of the line; mail clients end the part there): *trailing
 * is then the length of what follows it. */
static int boundary_match(ms_msg_parser *p, const uint8_t *d, size_t n,
                          bool *closing, size_t *trailing) {
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
      if (n >= bl + 4 && d[bl + 2] == '-' && d[bl + 3] == '-') {
        *closing = true;
        *trailing = n - (bl + 4);
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
    p->depth = p->stack.len ? p->stack.items[p->stack.len - 1].depth + 1
                            : p->base_depth;
    p->st = S_PREAMBLE; /* the epilogue */
  } else {
    p->st = S_HEADERS;
  }
}

/* A close delimiter of the multipart at `level` followed by `trailing`
 * bytes: quoted (at most 40) in the anomaly's detail. */
static void trailing_text(ms_msg_parser *p, int level, const uint8_t *d,
                          size_t trailing) {
  const uint8_t *t = d + 2 + strlen(p->stack.items[level].boundary) + 2;
  char quote[41];
  size_t q = trailing < sizeof quote - 1 ? trailing : sizeof quote - 1;
  for (size_t i = 0; i < q; i++) /* the detail is text: no NUL */
    quote[i] = t[i] ? (char)t[i] : '?';
  quote[q] = '\0';
  anomaly(p, "mime_boundary_trailing_text",
          "a close delimiter followed by \"%s\" still ends the multipart",
          quote);
}

/* One line (with its end, if it has one) of the message. */
static void line(ms_msg_parser *p, const uint8_t *d, size_t n, bool has_eol) {
  bool closing;
  size_t trailing = 0;
  int level = p->stack.len ? boundary_match(p, d, n, &closing, &trailing) : -1;
  if (level >= 0 && trailing)
    trailing_text(p, level, d, trailing);
  if (level >= 0) {
    if (p->st == S_HEADERS) { /* a part with headers only */
      end_headers(p);
      end_leaf(p);
    }
    on_boundary(p, level, closing, d, n);
    return;
  }
  if (p->st == S_ENCODED)
    encoded_first_line(p, d, n);
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
  if (p->st == S_ENCODED && n > 0)
    encoded_first_line(p, d, n);
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

/* ---- parsers ------------------------------------------------------------ */

/* What a parser holds, as its session's record is told (budget.h). */
static size_t parser_mem(const ms_msg_parser *p) {
  size_t n = sizeof *p + p->headers_cap + p->stack.cap * sizeof(mp_frame) +
             p->rfc822.cap * sizeof(rfc822_frame);
  n += (p->leaf.batch ? OUTPUT_BATCH : 0) + (p->spare_batch ? OUTPUT_BATCH : 0);
  n += p->held ? HELD_BYTES : 0;
  for (size_t i = 0; i < p->rfc822.len; i++)
    n += p->rfc822.items[i].out.batch ? OUTPUT_BATCH : 0;
  return n;
}

static void recount(ms_msg_parser *p) {
  ms_session_mem_set(p->s, &p->mem_charged, parser_mem(p));
}

/* A cleared parser, from the spare ones when there is one (their buffers
 * kept). */
static ms_msg_parser *parser_new(void) {
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
  p->base_parent = -1;
  p->leaf.part = p->leaf.attachment = -1;
  return p;
}

static void parser_free(ms_msg_parser *p) {
  ms_session_mem_sub(p->s, p->mem_charged);
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

/* The bytes, cut into lines (see the top of this file). */
static void parse_bytes(ms_msg_parser *p, const uint8_t *data, size_t n) {
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
  recount(p);
}

/* The end of the bytes: what is open is closed. */
static void finish_structure(ms_msg_parser *p, bool truncated) {
  p->ending_cut = truncated;
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
}

/* ---- interface ---------------------------------------------------------- */

ms_msg_parser *ms_msg_begin(ms_session *s, ms_message *out,
                            const ms_dissect_config *cfg, const char *label,
                            ms_ts ts) {
  gmime_setup();
  ms_msg_parser *p = parser_new();
  p->s = s;
  p->out = out;
  p->cfg = cfg;
  p->ts = ts;
  snprintf(p->label, sizeof p->label, "%s", label);
  p->hash = ms_hash_new(false);
  p->st = S_HEADERS;
  p->top_level = true;
  if (cfg->sink)
    p->eml = cfg->sink->open(cfg->sink->ctx, s, label, "eml", 0, NULL);
  recount(p);
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
    msg_output_flush(p, &p->leaf); /* the batch so far takes the held bytes */
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
  parse_bytes(p, data, n);
}

void ms_msg_set_preview(ms_msg_parser *p) { p->preview = true; }

void ms_msg_end(ms_msg_parser *p, bool truncated, ms_ts ts) {
  p->ts = ts;
  finish_structure(p, truncated);
  p->out->truncated = truncated;
  ms_hash_update(p->hash, p->held, p->held_len);
  ms_hash_final(p->hash, NULL, p->out->sha256);
  if (p->eml) {
    p->out->extracted = msg_extracted_name(p->cfg->sink, p->eml);
    p->cfg->sink->close(p->eml);
  }
  parser_free(p);
}
