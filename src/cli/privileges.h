/* privileges.h - giving up root after the capture is open.
 *
 * Like tcpdump, mailscope started as root for a live capture (-i) drops to
 * an unprivileged user as soon as the interface is open: the user given
 * with -Z, or "nobody" by default.  -Z root keeps root (told, not implied).
 * Output directories that mailscope creates itself (--extract-dir,
 * --transcript-dir, --zeek-dir) are handed to that user first, so the
 * analysis can still write into them, and so are the files it creates
 * before the drop (--json-file, Zeek logs: outfile.h), so that the user can
 * reopen them on SIGHUP; directories that already exist must be writable by
 * it (and the directory of --json-file, when it is rotated), which is
 * checked once the privileges are gone.
 */
#ifndef MAILSCOPE_PRIVILEGES_H
#define MAILSCOPE_PRIVILEGES_H

#include "options.h"

#define MS_DEFAULT_USER "nobody"

/* The user a live capture will switch to, or NULL when none: not a live
 * capture, not running as root with no -Z, or -Z root. */
const char *privileges_target(const ms_options *opt);

/* The uid and gid new output files are given to while mailscope still
 * runs as root before the drop (so that the user can reopen and rotate
 * them); -1 when there is no such user. */
void privileges_output_owner(const ms_options *opt, long *uid, long *gid);

/* Create the output directories that do not exist yet and give the ones
 * created to the target user.  Returns 0, or 2 after an error message. */
int privileges_prepare_outputs(const ms_options *opt);

/* Switch to the target user (no-op without one), then check that the
 * output directories are writable.  Returns 0, or 2 after an error message;
 * the caller must not go on capturing after a failure. */
int privileges_drop(const ms_options *opt);

#endif
