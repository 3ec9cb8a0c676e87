/* test_sandbox.c - the --sandbox seccomp filter: inside it, reading,
 * writing and opening files, memory and time still work; executing a
 * program, opening a socket, forking, ptrace and changing identity fail
 * with EPERM and have no effect.  Each case runs in a child process, since
 * a filter cannot be removed once installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

/* Exit codes of the child: 0 all as expected, else the failing check. */
enum {
  OK = 0,
  ENTER_FAILED,
  FILE_BROKEN,
  MEMORY_BROKEN,
  TIME_BROKEN,
  EXEC_ALLOWED,
  SOCKET_ALLOWED,
  FORK_ALLOWED,
  PTRACE_ALLOWED,
  SETUID_ALLOWED,
  WAIT_ALLOWED,
  WAIT_REFUSED
};

static bool refused(long rc) { return rc == -1 && errno == EPERM; }

/* Made by the parent, which removes it: unlink is refused inside. */
static char path[] = "/tmp/mailscope-sandbox-XXXXXX";

static int files_work(void) {
  int fd = open(path, O_RDWR);
  if (fd < 0)
    return FILE_BROKEN;
  if (sandbox_enter(MS_SANDBOX_ANALYSIS) != 0)
    return ENTER_FAILED;
  if (write(fd, "abc", 3) != 3 || lseek(fd, 0, SEEK_SET) != 0)
    return FILE_BROKEN;
  char buf[4] = {0};
  if (read(fd, buf, 3) != 3 || strcmp(buf, "abc"))
    return FILE_BROKEN;
  close(fd);
  FILE *f = fopen(path, "a"); /* --json-file reopened on SIGHUP */
  if (!f || fputs("d", f) < 0 || fclose(f) != 0)
    return FILE_BROKEN;
  int x = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600); /* extraction */
  if (x >= 0 || errno != EEXIST)
    return FILE_BROKEN;
  void *big = malloc(64 << 20);
  void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!big || m == MAP_FAILED)
    return MEMORY_BROKEN;
  memset(big, 1, 64 << 20);
  free(big);
  munmap(m, 1 << 20);
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return TIME_BROKEN;
  if (!refused(unlink(path)))
    return FILE_BROKEN; /* extraction never deletes */
  return OK;
}

static int dangerous_calls_refused(void) {
  if (sandbox_enter(MS_SANDBOX_ANALYSIS) != 0)
    return ENTER_FAILED;
  char *argv[] = {"/bin/true", NULL};
  if (!refused(execve("/bin/true", argv, NULL)))
    return EXEC_ALLOWED;
  if (!refused(socket(AF_INET, SOCK_STREAM, 0)) ||
      !refused(socket(AF_UNIX, SOCK_STREAM, 0)))
    return SOCKET_ALLOWED;
  if (!refused(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)))
    return FORK_ALLOWED;
#ifdef SYS_fork
  if (!refused(syscall(SYS_fork)))
    return FORK_ALLOWED;
#endif
  if (!refused(ptrace(PTRACE_TRACEME, 0, NULL, NULL)))
    return PTRACE_ALLOWED;
  if (!refused(syscall(SYS_setuid, 0)))
    return SETUID_ALLOWED;
  if (!refused(syscall(SYS_wait4, -1, NULL, 0, NULL)))
    return WAIT_ALLOWED; /* only the parent role may wait */
  return OK;
}

static int parent_may_wait(void) {
  if (sandbox_enter(MS_SANDBOX_PARENT) != 0)
    return ENTER_FAILED;
  /* No child: ECHILD, not EPERM. */
  if (syscall(SYS_wait4, -1, NULL, 0, NULL) != -1 || errno != ECHILD)
    return WAIT_REFUSED;
  char *argv[] = {"/bin/true", NULL};
  if (!refused(execve("/bin/true", argv, NULL)))
    return EXEC_ALLOWED;
  return OK;
}

static void run_in_child(int (*body)(void)) {
  if (!sandbox_supported())
    skip();
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(body());
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), OK);
}

static void analysis_keeps_files_memory_time(void **state) {
  (void)state;
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  run_in_child(files_work);
  unlink(path);
}

static void analysis_refuses_exec_sockets_fork(void **state) {
  (void)state;
  run_in_child(dangerous_calls_refused);
}

static void parent_role_waits_but_cannot_exec(void **state) {
  (void)state;
  run_in_child(parent_may_wait);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(analysis_keeps_files_memory_time),
      cmocka_unit_test(analysis_refuses_exec_sockets_fork),
      cmocka_unit_test(parent_role_waits_but_cannot_exec),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
