/* postrotate.c - the post-rotate helper process (see postrotate.h). */
#define _DEFAULT_SOURCE
#include "postrotate.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int helper_fd = -1;
static pid_t helper_pid;

/* Run cmd path, wait for it, say when it failed. */
static void run_one(const char *cmd, const char *path) {
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0)
      dup2(null, STDIN_FILENO);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    execlp(cmd, cmd, path, (char *)NULL);
    fprintf(stderr, "mailscope: --post-rotate %s: %s\n", cmd, strerror(errno));
    _exit(127);
  }
  int status;
  if (pid < 0) {
    fprintf(stderr, "mailscope: --post-rotate: fork: %s\n", strerror(errno));
    return;
  }
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fprintf(stderr, "mailscope: --post-rotate %s %s: failed (status %d)\n", cmd,
            path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* The helper: paths arrive NUL-terminated; end of file ends it. */
static void helper_main(const char *cmd, int fd) {
  signal(SIGINT, SIG_IGN); /* Ctrl-C is the analysis's business */
  signal(SIGHUP, SIG_IGN);
  char path[8192];
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    if (c != '\0') {
      if (n + 1 < sizeof path)
        path[n++] = c;
      continue;
    }
    path[n] = '\0';
    if (n)
      run_one(cmd, path);
    n = 0;
  }
}

int postrotate_start(const char *cmd, uid_t uid, gid_t gid) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    fprintf(stderr, "mailscope: --post-rotate: pipe: %s\n", strerror(errno));
    return -1;
  }
  fflush(NULL);
  helper_pid = fork();
  if (helper_pid < 0) {
    fprintf(stderr, "mailscope: --post-rotate: fork: %s\n", strerror(errno));
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (helper_pid == 0) {
    close(fds[1]);
    if (uid != (uid_t)-1 && geteuid() == 0 &&
        (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) {
      fprintf(stderr, "mailscope: --post-rotate: cannot switch user: %s\n",
              strerror(errno));
      _exit(2);
    }
    helper_main(cmd, fds[0]);
    _exit(0);
  }
  close(fds[0]);
  helper_fd = fds[1];
  fcntl(helper_fd, F_SETFL, O_NONBLOCK);
  return 0;
}

void postrotate_send(const char *path) {
  if (helper_fd < 0)
    return;
  size_t n = strlen(path) + 1;
  ssize_t w = write(helper_fd, path, n);
  if (w != (ssize_t)n)
    fprintf(stderr, "mailscope: --post-rotate: %s not handed over (%s)\n", path,
            w < 0 ? strerror(errno) : "pipe full");
}

void postrotate_stop(void) {
  if (helper_fd < 0)
    return;
  close(helper_fd);
  helper_fd = -1;
  int status;
  while (waitpid(helper_pid, &status, 0) < 0 && errno == EINTR)
    ;
}
