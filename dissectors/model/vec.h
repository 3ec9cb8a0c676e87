/* vec.h - tiny growable arrays and owned strings shared by every layer.
 *
 * VEC(T) declares { T *items; size_t len, cap; }.  vec_push() returns a
 * pointer to a new zeroed slot (or aborts on out-of-memory: mailscope treats
 * allocation failure as fatal, limits keep memory bounded long before).
 */
#ifndef MAILSCOPE_VEC_H
#define MAILSCOPE_VEC_H

#include <stddef.h>
#include <stdint.h>

#define VEC(T)                                                                 \
  struct {                                                                     \
    T *items;                                                                  \
    size_t len, cap;                                                           \
  }

/* Grow *items so that it holds at least need elements of size elem. */
void vec_reserve_raw(void **items, size_t *cap, size_t elem, size_t need);

#define vec_push(v)                                                            \
  (vec_reserve_raw((void **)&(v)->items, &(v)->cap, sizeof(*(v)->items),       \
                   (v)->len + 1),                                              \
   &(v)->items[(v)->len++])

#define vec_free(v)                                                            \
  do {                                                                         \
    free((v)->items);                                                          \
    (v)->items = NULL;                                                         \
    (v)->len = (v)->cap = 0;                                                   \
  } while (0)

typedef VEC(char *) strvec;

/* Allocation helpers that abort on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A copy of s, or NULL when s is NULL. */
char *xstrdup_opt(const char *s);

/* Copy bytes from the wire into an owned C string.  NUL bytes, which cannot
 * live in a C string, become the four characters "\x00"; every other byte is
 * kept as is (emitters escape what is not printable or not UTF-8). */
char *wire_strdup(const uint8_t *p, size_t n);

/* printf into a new owned string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void strvec_push(strvec *v, const char *s); /* pushes a copy */
void strvec_free(strvec *v);                /* frees strings and array */
/* *to (overwritten, not freed) becomes a deep copy of *from. */
void strvec_copy(strvec *to, const strvec *from);

#endif
