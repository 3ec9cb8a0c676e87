/* message_int.h - the streaming message parser's state, shared by
 * message.c (lines, MIME structure, the public API of message.h) and
 * msg_output.c (where a part's decoded bytes go).  Not a public header. */
#ifndef MAILSCOPE_MESSAGE_INT_H
#define MAILSCOPE_MESSAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "message.h"
#include "msg_decode.h"
#include "msg_output.h"
#include "vec.h"

#define LINE_CARRY 2048  /* longest line examined as a whole */
#define MAX_BOUNDARY 200 /* RFC 2046 says 70 */

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
  S_ENCODED,  /* a message/rfc822 part said to be base64: its first line
                 tells whether it is (see encoded_message) */
} state;

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
  /* A message/rfc822 part sent base64 or quoted-printable is a leaf whose
   * decoded bytes go to a parser of their own (inner), whose entities hang
   * under that part (base_parent) one level deeper (base_depth); root is
   * the message's own parser (NULL for itself). */
  ms_msg_parser *inner, *root;
  int base_parent, base_depth;
  bool ending_cut; /* the message is being finished, cut short */
  struct {
    int part;
    bool attach;
  } encoded;          /* S_ENCODED: the part waiting for its first line */
  size_t mem_charged; /* what the session record was told (budget.h) */
  /* last: not cleared when a parser is reused */
  uint8_t carry[LINE_CARRY];
};

#endif
