/* sandbox.h - --sandbox: a seccomp filter once set-up is done.
 *
 * After the inputs, outputs and the capture device are open (and, live,
 * privileges are dropped), the analysis only needs to read, write, open
 * files (later -r inputs, --extract-dir files, --json-file on SIGHUP),
 * manage memory and poll the capture socket.  sandbox_enter() installs a
 * Linux seccomp-BPF filter that allows exactly that: any other system call
 * (execve, socket, connect, ptrace, fork, mount, ...) fails with EPERM and
 * does nothing, and a call made through a foreign ABI (x32, i386 on
 * x86_64) kills the process.  No new privileges can be gained afterwards.
 */
#ifndef MAILSCOPE_SANDBOX_H
#define MAILSCOPE_SANDBOX_H

#include <stdbool.h>

/* Which part of the program enters the sandbox: a process that still
 * waits for its workers needs wait4 and kill, the others do not. */
typedef enum { MS_SANDBOX_ANALYSIS = 0, MS_SANDBOX_PARENT } ms_sandbox_role;

/* Install the filter for the calling process (all its threads).  Returns
 * 0, or 2 after "mailscope: --sandbox: ..." when the kernel refuses. */
int sandbox_enter(ms_sandbox_role role);

/* Whether this build knows the system call numbers of its architecture. */
bool sandbox_supported(void);

#endif
