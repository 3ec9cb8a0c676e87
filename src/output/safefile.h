/* safefile.h - files created in output directories, never through a link
 * and never over another file.
 *
 * An output directory (--extract-dir, --transcript-dir, --zeek-dir, the
 * directory of --json-file) is opened once, as a directory descriptor,
 * before privileges are dropped; every file in it is created relative to
 * that descriptor with O_NOFOLLOW|O_CREAT|O_EXCL.  A directory that is
 * itself a symbolic link is refused unless the user asked to follow links
 * (--follow-dir-links).
 */
#ifndef MAILSCOPE_SAFEFILE_H
#define MAILSCOPE_SAFEFILE_H

#include <stdbool.h>

/* Open (and create with mode 0755 when missing and create is set) the
 * directory path; -1 after printing "mailscope: PATH: why". */
int safe_open_dir(const char *path, bool create, bool follow_links);

/* Create base + ext in dirfd, or base + "-1" + ext, "-2" ... when taken
 * (at most 1000 tries).  Returns the descriptor (write-only, close-on-exec)
 * and the name chosen in *name (caller frees), or -1 with errno set. */
int safe_create_unique(int dirfd, const char *base, const char *ext,
                       char **name);

/* The directory part of path ("." when none) and its last component;
 * both are new strings. */
void safe_split_path(const char *path, char **dir, char **name);

#endif
