/* msg_decode.h - streaming base64 and quoted-printable decoders for MIME
 * part bodies.  Each keeps the few bytes of state a split input needs;
 * output goes to a callback in runs. */
#ifndef MAILSCOPE_MSG_DECODE_H
#define MAILSCOPE_MSG_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*decode_out_fn)(void *ctx, const uint8_t *p, size_t n);

typedef struct {
  uint32_t acc;
  int bits;
  bool padded;      /* "=" seen: the rest should be whitespace */
  uint64_t invalid; /* bytes that are neither base64 nor whitespace */
} b64_stream;

typedef struct {
  uint8_t pending[3]; /* "=" and up to two hex digits */
  int npending;
  uint64_t invalid; /* "=" not followed by two hex digits or a line end */
} qp_stream;

void b64_stream_init(b64_stream *s);
void b64_stream_feed(b64_stream *s, const uint8_t *p, size_t n,
                     decode_out_fn out, void *ctx);
/* true when the input ended in the middle of a quantum */
bool b64_stream_incomplete(const b64_stream *s);

void qp_stream_init(qp_stream *s);
void qp_stream_feed(qp_stream *s, const uint8_t *p, size_t n, decode_out_fn out,
                    void *ctx);
void qp_stream_finish(qp_stream *s, decode_out_fn out, void *ctx);

#endif
