/* msg_decode.c - streaming base64 and quoted-printable (see msg_decode.h). */
#include "msg_decode.h"

static const int8_t b64_table[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,
    ['G'] = 7,  ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64}; /* value + 1 */

/* The fast path's tables: the character's six bits already shifted to its
 * place in a quantum of four, or B64_BAD. */
#define B64_BAD 0x80000000u
static uint32_t b64_quantum[4][256];
static bool b64_tables_ready;

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

static bool have_ssse3;

/* Blocks of 16 base64 characters to 12 bytes, as long as all 16 are in
 * the alphabet.  By the high nibble h and the low nibble l of a byte: the
 * alphabet is h 2 (l B '+', F '/'), 3 (l 0-9), 4 and 6 (l 1-F), 5 and 7
 * (l 0-A).  Each high nibble has a class bit (invalid_hi), each low nibble
 * the classes it is not valid in (invalid_lo): a byte is base64 when the
 * two share no bit.  Its six-bit value is the byte plus an offset chosen
 * by h ('/' moved to slot 1: it is the one h 2 byte that differs).  The
 * 4 x 6 bits of each 32-bit lane are joined by two multiply-adds and the
 * three bytes of each lane picked in order. */
#define B64_TARGET __attribute__((target("ssse3")))

/* 16 characters to 12 bytes (in the low 12 of the result); *bad gets a bit
 * for each character that is not base64. */
B64_TARGET static inline __m128i b64_decode16(__m128i c, unsigned *bad) {
  const __m128i invalid_lo =
      _mm_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                    0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a);
  const __m128i invalid_hi =
      _mm_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10,
                    0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
  const __m128i offset =
      _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m128i pick =
      _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m128i nibble = _mm_set1_epi8(0x0f);
  __m128i hi = _mm_and_si128(_mm_srli_epi32(c, 4), nibble);
  __m128i lo = _mm_and_si128(c, nibble);
  __m128i classes = _mm_and_si128(_mm_shuffle_epi8(invalid_lo, lo),
                                  _mm_shuffle_epi8(invalid_hi, hi));
  *bad =
      (unsigned)_mm_movemask_epi8(_mm_cmpgt_epi8(classes, _mm_setzero_si128()));
  __m128i slot = _mm_add_epi8(hi, _mm_cmpeq_epi8(c, _mm_set1_epi8('/')));
  __m128i v = _mm_add_epi8(c, _mm_shuffle_epi8(offset, slot));
  /* [a b c d] -> a*64+b, c*64+d -> (a*64+b)*4096 + c*64+d */
  __m128i pairs = _mm_maddubs_epi16(v, _mm_set1_epi32(0x01400140));
  __m128i lanes = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00011000));
  return _mm_shuffle_epi8(lanes, pick);
}

/* Whole blocks of 16 characters from p[*i], while all are base64; then the
 * whole quanta before the first other byte (a line end, mostly) through one
 * more block that overlaps what was decoded already. */
B64_TARGET static size_t b64_blocks(const uint8_t *p, size_t n, size_t *i,
                                    uint8_t *buf, size_t room) {
  size_t o = 0, k = *i;
  while (k + 16 <= n && o + 16 <= room) {
    unsigned bad;
    __m128i d = b64_decode16(_mm_loadu_si128((const __m128i *)(p + k)), &bad);
    if (bad) {
      size_t quanta = (size_t)__builtin_ctz(bad) / 4;
      if (quanta && k + 4 * quanta - *i >= 16) {
        d = b64_decode16(
            _mm_loadu_si128((const __m128i *)(p + k + 4 * quanta - 16)), &bad);
        _mm_storeu_si128((__m128i *)(buf + o + 3 * quanta - 12), d);
        o += 3 * quanta;
        k += 4 * quanta;
      }
      break;
    }
    _mm_storeu_si128((__m128i *)(buf + o), d);
    o += 12;
    k += 16;
  }
  *i = k;
  return o;
}
#endif

static void b64_tables_init(void) {
  if (b64_tables_ready)
    return;
#if defined(__x86_64__) || defined(__i386__)
  have_ssse3 = __builtin_cpu_supports("ssse3");
#endif
  for (int c = 0; c < 256; c++) {
    int v = b64_table[c] - 1;
    for (int k = 0; k < 4; k++)
      b64_quantum[k][c] = v < 0 ? B64_BAD : (uint32_t)v << (18 - 6 * k);
  }
  b64_tables_ready = true;
}

void b64_stream_init(b64_stream *s) {
  b64_tables_init();
  s->acc = 0;
  s->bits = 0;
  s->padded = false;
  s->invalid = 0;
}

/* Whole quanta of four base64 characters from p[*i]; stops at the first
 * byte that is not base64 (a line end, padding, junk). */
static size_t b64_quanta(const uint8_t *p, size_t n, size_t *i, uint8_t *buf,
                         size_t room) {
  size_t o = 0, k = *i;
  while (k + 4 <= n && o + 3 <= room) {
    uint32_t v = b64_quantum[0][p[k]] | b64_quantum[1][p[k + 1]] |
                 b64_quantum[2][p[k + 2]] | b64_quantum[3][p[k + 3]];
    if (v & B64_BAD)
      break;
    buf[o] = (uint8_t)(v >> 16);
    buf[o + 1] = (uint8_t)(v >> 8);
    buf[o + 2] = (uint8_t)v;
    o += 3;
    k += 4;
  }
  *i = k;
  return o;
}

void b64_stream_feed(b64_stream *s, const uint8_t *p, size_t n,
                     decode_out_fn out, void *ctx) {
  b64_tables_init(); /* for a stream zeroed rather than initialised */
  uint8_t buf[3072];
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s->bits == 0 && !s->padded) {
      if (sizeof buf - o < 16) {
        out(ctx, buf, o);
        o = 0;
      }
      size_t from = i;
#if defined(__x86_64__) || defined(__i386__)
      if (have_ssse3)
        o += b64_blocks(p, n, &i, buf + o, sizeof buf - o);
#endif
      o += b64_quanta(p, n, &i, buf + o, sizeof buf - o);
      while (i < n && (p[i] == '\r' || p[i] == '\n'))
        i++; /* line ends: nothing to do */
      if (i >= n)
        break;
      if (i != from) { /* on at the next line: the fast path again */
        i--;
        continue;
      }
    }
    int v = b64_table[p[i]] - 1;
    if (v < 0) {
      uint8_t c = p[i];
      if (c == '=') {
        s->padded = true;
        s->bits = 0; /* drop the partial quantum's spare bits */
      } else if (c != '\r' && c != '\n' && c != ' ' && c != '\t') {
        s->invalid++;
      }
      continue;
    }
    if (s->padded) { /* data after padding: a new run (concatenated) */
      s->padded = false;
      s->bits = 0;
    }
    s->acc = s->acc << 6 | (uint32_t)v;
    s->bits += 6;
    if (s->bits >= 8) {
      s->bits -= 8;
      if (o == sizeof buf) { /* the quanta may have filled it */
        out(ctx, buf, o);
        o = 0;
      }
      buf[o++] = (uint8_t)(s->acc >> s->bits);
    }
  }
  if (o)
    out(ctx, buf, o);
}

bool b64_stream_incomplete(const b64_stream *s) {
  return s->bits >= 6; /* 6 or more bits left over: a lone character */
}

void qp_stream_init(qp_stream *s) {
  s->npending = 0;
  s->invalid = 0;
}

static int hex(uint8_t c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Resolve "=" + two bytes already collected. */
static void qp_resolve(qp_stream *s, uint8_t *buf, size_t *o) {
  uint8_t a = s->pending[1], b = s->pending[2];
  s->npending = 0;
  if (a == '\r' && b == '\n')
    return; /* soft line break */
  int h = hex(a), l = hex(b);
  if (h >= 0 && l >= 0) {
    buf[(*o)++] = (uint8_t)(h << 4 | l);
    return;
  }
  s->invalid++;
  buf[(*o)++] = '=';
  buf[(*o)++] = a;
  buf[(*o)++] = b;
}

void qp_stream_feed(qp_stream *s, const uint8_t *p, size_t n, decode_out_fn out,
                    void *ctx) {
  uint8_t buf[1024];
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (o + 4 > sizeof buf) {
      out(ctx, buf, o);
      o = 0;
    }
    uint8_t c = p[i];
    if (s->npending) {
      if (s->npending == 1 && c == '\n') { /* "=" LF: soft break */
        s->npending = 0;
        continue;
      }
      s->pending[s->npending++] = c;
      if (s->npending == 3)
        qp_resolve(s, buf, &o);
      continue;
    }
    if (c == '=') {
      s->pending[0] = c;
      s->npending = 1;
      continue;
    }
    buf[o++] = c;
  }
  if (o)
    out(ctx, buf, o);
}

void qp_stream_finish(qp_stream *s, decode_out_fn out, void *ctx) {
  if (s->npending > 1) { /* a lone "=" at the end is a soft break */
    s->invalid++;
    out(ctx, s->pending, (size_t)s->npending);
  }
  s->npending = 0;
}
