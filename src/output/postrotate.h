/* postrotate.h - --post-rotate CMD: run "CMD FILE" for every output file
 * rotated away (as tcpdump -z does; no shell: give a script for more).
 *
 * A helper process is started during set-up, before --sandbox forbids
 * fork and exec; it switches to the given user (the user the capture runs
 * as) and runs the command for each path it receives on a pipe, one at a
 * time, waiting for each.  The analysis never waits for it: a path that
 * does not fit in the pipe is dropped with a message.
 */
#ifndef MAILSCOPE_POSTROTATE_H
#define MAILSCOPE_POSTROTATE_H

#include <sys/types.h>

/* Start the helper; uid (uid_t)-1: stay who we are.  0, or -1 after a
 * message. */
int postrotate_start(const char *cmd, uid_t uid, gid_t gid);
/* Hand a rotated file to the helper (outfile_set_rotated). */
void postrotate_send(const char *path);
/* No more files: the helper finishes its queue and exits; wait for it. */
void postrotate_stop(void);

#endif
