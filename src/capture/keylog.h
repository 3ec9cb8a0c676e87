/* keylog.h - TLS secrets for decryption from outside the dissectors: NSS
 * key log files (--tls-keylog, repeatable) and the Decryption Secrets
 * Blocks of a pcapng capture, added to the key store (tls_crypto.h).
 *
 * Each file is opened once, before privileges are dropped, and kept open:
 * a live client appends to its key log while mailscope runs, so the store's
 * reload hook reads what was appended since (whole lines; an unfinished
 * last line waits for its newline).  A file that was truncated starts over;
 * one replaced under its name is reopened when that is still allowed.
 * Lines that are not key log lines are counted and reported once per file
 * by line number (never by content: they may hold secrets).
 */
#ifndef MAILSCOPE_KEYLOG_H
#define MAILSCOPE_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_crypto.h"
#include "vec.h"

typedef struct ms_keylog ms_keylog;

/* Open and read every file into keys, and make the store reread them when
 * a key is missing.  NULL after "mailscope: FILE: reason" on stderr when a
 * file cannot be opened.  `quiet`: no warnings about malformed lines. */
ms_keylog *ms_keylog_open(const strvec *files, ms_tls_keys *keys, bool quiet);
/* Read what the files gained since the last read. */
void ms_keylog_reload(ms_keylog *kl);
void ms_keylog_close(ms_keylog *kl);

/* Whether every file can be opened for reading (or print why not): the
 * check before worker processes each open them. */
bool ms_keylog_check(const strvec *files);

/* A pcapng Decryption Secrets Block (secrets type, data): TLS key log
 * lines ("TLSK") are added to keys; other types are ignored.  Returns the
 * number of secrets added. */
#define MS_DSB_TLS_KEYLOG 0x544c534bu
size_t ms_keylog_add_dsb(ms_tls_keys *keys, uint32_t type, const uint8_t *data,
                         size_t len);

#endif
