/* privileges.c - giving up root after the capture is open (privileges.h). */
#define _DEFAULT_SOURCE
#include "privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *privileges_target(const ms_options *opt) {
  if (!opt->iface)
    return NULL;
  if (opt->user)
    return strcmp(opt->user, "root") ? opt->user : NULL;
  return geteuid() == 0 ? MS_DEFAULT_USER : NULL;
}

/* The account to switch to.  NULL with *rc = 0: there is none; NULL with
 * *rc = 2: the user does not exist (said on stderr). */
static const struct passwd *target_account(const ms_options *opt, int *rc) {
  *rc = 0;
  const char *user = privileges_target(opt);
  if (!user)
    return NULL;
  const struct passwd *pw = getpwnam(user);
  if (!pw) {
    fprintf(stderr,
            "mailscope: -Z %s: no such user (give -Z USER, or -Z root to "
            "keep root)\n",
            user);
    *rc = 2;
  }
  return pw;
}

/* mkdir dir when missing; when created here, give it to pw. */
static int prepare_dir(const char *dir, const struct passwd *pw) {
  if (!dir)
    return 0;
  if (mkdir(dir, 0755) != 0) {
    if (errno == EEXIST)
      return 0;
    fprintf(stderr, "mailscope: %s: %s\n", dir, strerror(errno));
    return 2;
  }
  if (chown(dir, pw->pw_uid, pw->pw_gid) != 0) {
    fprintf(stderr, "mailscope: %s: %s\n", dir, strerror(errno));
    return 2;
  }
  return 0;
}

void privileges_output_owner(const ms_options *opt, long *uid, long *gid) {
  *uid = *gid = -1;
  const char *user = privileges_target(opt);
  const struct passwd *pw = user && geteuid() == 0 ? getpwnam(user) : NULL;
  if (pw) {
    *uid = (long)pw->pw_uid;
    *gid = (long)pw->pw_gid;
  }
}

int privileges_prepare_outputs(const ms_options *opt) {
  int rc;
  const struct passwd *pw = target_account(opt, &rc);
  if (!pw)
    return rc;
  if (prepare_dir(opt->extract_dir, pw) ||
      prepare_dir(opt->transcript_dir, pw) || prepare_dir(opt->zeek_dir, pw))
    return 2;
  return 0;
}

static int check_writable(const char *dir, const char *user) {
  if (!dir || access(dir, W_OK | X_OK) == 0)
    return 0;
  fprintf(stderr,
          "mailscope: %s: not writable by user %s after dropping privileges "
          "(%s): make it so, or choose another -Z USER\n",
          dir, user, strerror(errno));
  return 2;
}

int privileges_drop(const ms_options *opt) {
  int rc;
  const struct passwd *pw = target_account(opt, &rc);
  if (!pw)
    return rc;
  const char *user = privileges_target(opt);
  uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
    fprintf(stderr, "mailscope: -Z %s: %s\n", user, strerror(errno));
    return 2;
  }
  /* Root must be gone for good, not only the effective id. */
  if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
    fprintf(stderr, "mailscope: -Z %s: root could be regained\n", user);
    return 2;
  }
  if (check_writable(opt->extract_dir, user) ||
      check_writable(opt->transcript_dir, user) ||
      check_writable(opt->zeek_dir, user))
    return 2;
  /* Rotation creates files beside --json-file, as the user. */
  if (opt->json_file && (opt->rotate_bytes || opt->rotate_seconds)) {
    char *slash = strrchr(opt->json_file, '/');
    char *dir = slash
                    ? strndup(opt->json_file, (size_t)(slash - opt->json_file))
                    : strdup(".");
    int drc = check_writable(*dir ? dir : "/", user);
    free(dir);
    if (drc)
      return 2;
  }
  return 0;
}
