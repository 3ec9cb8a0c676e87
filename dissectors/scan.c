/* scan.c - byte scans over runs (see scan.h).  SSE2 is part of x86-64, so
 * there the vector loop needs no run-time check; elsewhere the plain loops
 * do the same. */
#include "scan.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define SCAN_SSE2 1
#endif

const uint8_t *scan_pair(const uint8_t *p, const uint8_t *end, uint8_t a,
                         uint8_t b) {
  if (end - p < 2)
    return NULL;
  const uint8_t *last = end - 1; /* q < last: q[1] is inside */
#ifdef SCAN_SSE2
  const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
  while (last - p >= 32) { /* 32 bytes a round, one test */
    __m128i x0 = _mm_loadu_si128((const __m128i *)p);
    __m128i y0 = _mm_loadu_si128((const __m128i *)(p + 1));
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i y1 = _mm_loadu_si128((const __m128i *)(p + 17));
    __m128i m0 = _mm_and_si128(_mm_cmpeq_epi8(x0, va), _mm_cmpeq_epi8(y0, vb));
    __m128i m1 = _mm_and_si128(_mm_cmpeq_epi8(x1, va), _mm_cmpeq_epi8(y1, vb));
    if (_mm_movemask_epi8(_mm_or_si128(m0, m1))) {
      unsigned m = (unsigned)_mm_movemask_epi8(m0) |
                   (unsigned)_mm_movemask_epi8(m1) << 16;
      return p + __builtin_ctz(m);
    }
    p += 32;
  }
  while (last - p >= 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)p);
    __m128i y = _mm_loadu_si128((const __m128i *)(p + 1));
    int m = _mm_movemask_epi8(
        _mm_and_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(y, vb)));
    if (m)
      return p + __builtin_ctz((unsigned)m);
    p += 16;
  }
#endif
  for (; p < last; p++)
    if (p[0] == a && p[1] == b)
      return p;
  return NULL;
}

size_t scan_bare_lf(const uint8_t *p, size_t n, uint8_t prev) {
  size_t count = 0, i = 0;
  if (n && p[0] == '\n' && prev != '\r')
    count++;
  i = 1;
#ifdef SCAN_SSE2
  const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  for (; i + 16 <= n; i += 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(p + i));
    __m128i before = _mm_loadu_si128((const __m128i *)(p + i - 1));
    __m128i bare =
        _mm_andnot_si128(_mm_cmpeq_epi8(before, cr), _mm_cmpeq_epi8(x, lf));
    for (unsigned m = (unsigned)_mm_movemask_epi8(bare); m; m &= m - 1)
      count++; /* rare: no popcount instruction needed */
  }
#endif
  for (; i < n; i++)
    if (p[i] == '\n' && p[i - 1] != '\r')
      count++;
  return count;
}

const uint8_t *scan_8bit(const uint8_t *p, size_t n) {
  const uint8_t *end = p + n;
#ifdef SCAN_SSE2
  while (end - p >= 64) { /* 64 bytes a round: the high bits ORed, one test */
    __m128i a = _mm_loadu_si128((const __m128i *)p);
    __m128i b = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i d = _mm_loadu_si128((const __m128i *)(p + 48));
    if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))))
      break; /* the byte is in this round: found below */
    p += 64;
  }
#endif
  for (; p < end; p++)
    if (*p & 0x80)
      return p;
  return NULL;
}
