/* digest.h - the message layer's digests: sha256 of a whole message, md5,
 * sha1 and sha256 of each attachment.
 *
 * On CPUs with the x86 SHA extensions (asked with cpuid at run time) the
 * three digests of an attachment, and the message's sha256 beside them,
 * are computed in one pass over the bytes, the steps of the chains
 * interleaved: md5 is a chain of dependent additions on the integer units,
 * sha1 and sha256 run on the SHA unit, and side by side each costs little
 * more than the longest alone (OpenSSL hashes one after the other).
 * Elsewhere OpenSSL's EVP computes them.  The digests are the same either
 * way (tests/unit/test_digest.c and fuzz/fuzz_digest.c check both paths
 * against EVP).
 */
#ifndef MAILSCOPE_DIGEST_H
#define MAILSCOPE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ms_hash ms_hash;

/* sha256, and md5 of the same bytes when with_md5. */
ms_hash *ms_hash_new(bool with_md5);
void ms_hash_update(ms_hash *h, const uint8_t *p, size_t n);
/* The same as updating h with p and h2 with p2, but the blocks of the two
 * are hashed side by side (when h2 has neither md5 nor sha1): on the
 * SHA-extension path the second sha256 rides along with the first and with md5
 * almost free. */
void ms_hash_update2(ms_hash *h, const uint8_t *p, size_t n, ms_hash *h2,
                     const uint8_t *p2, size_t n2);
/* The lower-case hex digests (md5_hex may be NULL without md5); frees h. */
void ms_hash_final(ms_hash *h, char md5_hex[33], char sha256_hex[65]);
/* sha1 of the same bytes too (Zeek's files.log has it): call before the
 * first update; ms_hash_final3 gives the three digests (sha1_hex may be
 * NULL). */
void ms_hash_add_sha1(ms_hash *h);
void ms_hash_final3(ms_hash *h, char md5_hex[33], char sha1_hex[41],
                    char sha256_hex[65]);

/* Whether the SHA-extension path is in use; tests may turn it off (on is
 * only honoured when the CPU has the extensions). */
bool ms_hash_accelerated(void);
void ms_hash_set_accelerated(bool on);

#endif
