/* safefile.c - output directories and files created in them (safefile.h). */
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vec.h"

int safe_open_dir(const char *path, bool create, bool follow_links) {
  if (create && mkdir(path, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "mailscope: %s: %s\n", path, strerror(errno));
    return -1;
  }
  int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  if (!follow_links)
    flags |= O_NOFOLLOW;
  int fd = open(path, flags);
  if (fd >= 0)
    return fd;
  struct stat st;
  if (!follow_links && (errno == ELOOP || errno == ENOTDIR) &&
      lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
    fprintf(stderr,
            "mailscope: %s: is a symbolic link: refused (give "
            "--follow-dir-links to write through it)\n",
            path);
  else if (errno == ENOTDIR)
    fprintf(stderr, "mailscope: %s: not a directory\n", path);
  else
    fprintf(stderr, "mailscope: %s: %s\n", path, strerror(errno));
  return -1;
}

int safe_create_unique(int dirfd, const char *base, const char *ext,
                       char **name) {
  for (int i = 0; i < 1000; i++) {
    char *n =
        i ? xasprintf("%s-%d%s", base, i, ext) : xasprintf("%s%s", base, ext);
    int fd = openat(dirfd, n,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
      *name = n;
      return fd;
    }
    int err = errno;
    free(n);
    if (err != EEXIST) {
      errno = err;
      return -1;
    }
  }
  errno = EEXIST;
  return -1;
}

void safe_split_path(const char *path, char **dir, char **name) {
  const char *slash = strrchr(path, '/');
  if (!slash) {
    *dir = xstrdup(".");
    *name = xstrdup(path);
  } else if (slash == path) {
    *dir = xstrdup("/");
    *name = xstrdup(slash + 1);
  } else {
    *dir = xstrndup(path, (size_t)(slash - path));
    *name = xstrdup(slash + 1);
  }
}
