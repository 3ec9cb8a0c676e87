/* sandbox.c - the seccomp-BPF filter of --sandbox (sandbox.h).
 *
 * The filter is a flat list: check the architecture, refuse foreign ABIs,
 * then one "equal? allow" pair per permitted call, ioctl only for the
 * terminal query isatty() makes, and EPERM for everything else.  Written
 * with the kernel's own structures (linux/filter.h, linux/seccomp.h): no
 * library needed. */
#include "sandbox.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define MS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define MS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define MS_AUDIT_ARCH AUDIT_ARCH_I386
#endif

/* Calls the analysis makes once set-up is over, found with strace over
 * every output mode, live and offline (see tests/t_sandbox.sh).  Names not
 * defined on an architecture (open, poll on aarch64) are left out there. */
static const int analysis_calls[] = {
    /* memory */
    __NR_brk,
    __NR_mmap,
    __NR_munmap,
    __NR_mremap,
    __NR_madvise,
    __NR_mprotect,
    /* files: reading inputs, writing outputs, extraction, --json-file */
    __NR_read,
    __NR_write,
    __NR_readv,
    __NR_writev,
    __NR_pread64,
    __NR_pwrite64,
    __NR_lseek,
    __NR_close,
    __NR_fstat,
    __NR_newfstatat,
#ifdef __NR_statx
    __NR_statx,
#endif
    __NR_openat,
    __NR_fcntl,
    __NR_fsync,
    __NR_fdatasync,
    __NR_ftruncate,
    __NR_faccessat,
    /* output rotation and extraction clean-up, relative to the output
     * directories' descriptors (outfile.c, extract.c) */
    __NR_renameat2,
    __NR_linkat,
    __NR_unlinkat,
#ifdef __NR_open
    __NR_open,
#endif
#ifdef __NR_stat
    __NR_stat,
#endif
#ifdef __NR_access
    __NR_access,
#endif
    /* live capture: the packet socket, its ring and its statistics */
    __NR_ppoll,
    __NR_recvfrom,
    __NR_recvmsg,
    __NR_getsockopt,
#ifdef __NR_poll
    __NR_poll,
#endif
    /* time, signals, ending */
    __NR_clock_gettime,
    __NR_gettimeofday,
    __NR_nanosleep,
    __NR_clock_nanosleep,
    __NR_rt_sigreturn,
    __NR_rt_sigprocmask,
    __NR_rt_sigaction,
    __NR_exit,
    __NR_exit_group,
    __NR_getpid,
    __NR_gettid,
    __NR_tgkill, /* abort() */
    /* what the C library and GLib do under the hood */
    __NR_futex,
    __NR_sched_yield,
    __NR_getrandom,
    __NR_getuid,
    __NR_geteuid,
    __NR_getgid,
    __NR_getegid,
    __NR_restart_syscall,
    __NR_sysinfo,
    /* the sanitizers of `make asan`: signal stacks on a no-return call,
     * module paths for a report */
    __NR_sigaltstack,
    __NR_readlinkat,
#ifdef __NR_readlink
    __NR_readlink,
#endif
};

static const int parent_calls[] = {__NR_wait4, __NR_kill};

#define MAX_FILTER 256

typedef struct {
  struct sock_filter insn[MAX_FILTER];
  unsigned short len;
} filter;

static void emit(filter *f, struct sock_filter insn) {
  if (f->len < MAX_FILTER)
    f->insn[f->len++] = insn;
}

static void allow_call(filter *f, int nr) {
  emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr,
                                       0, 1));
  emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#define NR_OFF offsetof(struct seccomp_data, nr)
#define ARCH_OFF offsetof(struct seccomp_data, arch)

/* ioctl(fd, TCGETS, ...) only: isatty() when the next -r file opens. */
static void allow_isatty(filter *f) {
  emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0,
                                       4));
  emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)));
  emit(f,
       (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCGETS, 0, 1));
  emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
                                       SECCOMP_RET_ERRNO | (EPERM & 0xffff)));
}

bool sandbox_supported(void) {
#ifdef MS_AUDIT_ARCH
  return true;
#else
  return false;
#endif
}

#ifdef MS_AUDIT_ARCH
static void build(filter *f, ms_sandbox_role role) {
  f->len = 0;
  emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF));
  emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MS_AUDIT_ARCH,
                                       1, 0));
  emit(f,
       (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF));
#ifdef __x86_64__
  /* x32 system calls carry bit 30 and share the x86_64 architecture. */
  emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0,
                                       1));
  emit(f,
       (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#endif
  for (size_t i = 0; i < sizeof analysis_calls / sizeof analysis_calls[0]; i++)
    allow_call(f, analysis_calls[i]);
  if (role == MS_SANDBOX_PARENT)
    for (size_t i = 0; i < sizeof parent_calls / sizeof parent_calls[0]; i++)
      allow_call(f, parent_calls[i]);
  allow_isatty(f); /* last: it reloads the accumulator */
  emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
                                       SECCOMP_RET_ERRNO | (EPERM & 0xffff)));
}
#endif

int sandbox_enter(ms_sandbox_role role) {
#ifdef MS_AUDIT_ARCH
  static filter f;
  build(&f, role);
  if (f.len >= MAX_FILTER) {
    fprintf(stderr, "mailscope: --sandbox: filter too long\n");
    return 2;
  }
  struct sock_fprog prog = {f.len, f.insn};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    fprintf(stderr, "mailscope: --sandbox: no_new_privs: %s\n",
            strerror(errno));
    return 2;
  }
  if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
              &prog) != 0 &&
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
    fprintf(stderr, "mailscope: --sandbox: seccomp: %s\n", strerror(errno));
    return 2;
  }
  return 0;
#else
  (void)role;
  fprintf(stderr, "mailscope: --sandbox: not supported on this "
                  "architecture\n");
  return 2;
#endif
}
