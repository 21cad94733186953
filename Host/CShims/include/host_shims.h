#ifndef LIGHTNING_HOST_SHIMS_H
#define LIGHTNING_HOST_SHIMS_H
#include <stddef.h>
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include "lt_sandbox.h"

/* SO_PEERCRED (Linux; declared only with _GNU_SOURCE): the unix socket listener reads the
   peer's pid, uid and gid with it. */
int lt_shim_so_peercred(void);

/* The uid owning the TCP socket whose local end is src:sport and remote end dst:dport (network
   byte order addresses, host order ports; family AF_INET or AF_INET6), or -errno
   (-ENOENT: no such socket). One NETLINK_SOCK_DIAG exact lookup. */
long lt_shim_tcp_socket_uid(int family, const void *src, unsigned short sport, const void *dst, unsigned short dport);

/* ThreadSanitizer annotations for HostCore's locks (`Locked`): Swift's `Mutex` locks with a
   futex inside the uninstrumented standard library, so TSan cannot see that two accesses under
   it are ordered and reports every one as a race. Called right after taking the lock (acquire)
   and right before giving it back (release) with the lock's address; empty functions unless
   this file is built with -fsanitize=thread (`swift build --sanitize=thread`). */
void lt_tsan_acquire(const void *addr);
void lt_tsan_release(const void *addr);

/* dlopen flags the loader uses: RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE. */
int lt_shim_dlopen_flags(void);

/* Where a spawn failed (reported with errno). */
enum {
    LT_SPAWN_STAGE_PIPE = 1,
    LT_SPAWN_STAGE_FORK = 2,
    LT_SPAWN_STAGE_SETPGID = 3,
    LT_SPAWN_STAGE_PDEATHSIG = 4,
    LT_SPAWN_STAGE_DUP = 5,
    LT_SPAWN_STAGE_CHDIR = 6,
    LT_SPAWN_STAGE_RLIMIT = 7,
    LT_SPAWN_STAGE_EXEC = 8,
    LT_SPAWN_STAGE_CGROUP = 9,
};

/* (RLIMIT_*, soft, hard); the same layout as the sandbox's. */
typedef lt_sandbox_rlimit lt_rlimit;

typedef struct {
    const char *path;          /* absolute path of the program */
    char *const *argv;         /* NULL-terminated */
    char *const *envp;         /* NULL-terminated */
    const char *cwd;           /* NULL or "" = inherit */
    int stdin_fd, stdout_fd, stderr_fd;   /* the child's ends */
    int kill_on_parent_death;  /* PR_SET_PDEATHSIG(SIGKILL) */
    const lt_rlimit *rlimits;
    int rlimit_count;
    /* NULL: a plain child. Otherwise the sandbox plan (lt_sandbox.h); path, argv, envp and cwd
       are then as seen inside the sandbox, and the rlimits are applied to the program only. */
    const lt_sandbox_config *sandbox;
    /* Sandbox only: the write end of a pipe (O_CLOEXEC) on which the outer stub writes an
       lt_sandbox_report when the program ends; -1 for none. */
    int report_fd;
    /* Open (O_WRONLY | O_CLOEXEC) `cgroup.procs` files of the cgroups the child joins: right
       after fork, before anything else runs, the child writes its pid to each, so everything it
       starts is limited from its first instruction. NULL / 0 for none. */
    const int *cgroup_fds;
    int cgroup_fd_count;
} lt_spawn_request;

/* fork + exec in a new process group. Call from one long-lived thread (PDEATHSIG follows the
   forking thread). Returns 0 and the pid (the outer stub's, for a sandboxed child), or -1 with
   the stage (LT_SPAWN_STAGE_* or LT_SANDBOX_STAGE_*), errno and the plan step (-1 if none) of
   the failure. */
int lt_spawn(const lt_spawn_request *req, pid_t *pid_out, int *stage_out, int *errno_out, int *step_out);

/* pidfd_open(2): a descriptor that becomes readable when the process exits. -1 if unsupported. */
int lt_pidfd_open(pid_t pid);

/* pipe2(O_CLOEXEC). */
int lt_pipe_cloexec(int fds[2]);

/* kill(-pgid, sig). */
int lt_kill_group(pid_t pgid, int sig);

/* Fault recording for crash containment (docs/reliability.md#crash-containment): installs, once
   per process, handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP and SIGSYS that store
   the signal number into *word (a page of a MAP_SHARED file, so it outlives the process) when
   the signal was raised by this process (a fault, or abort/raise), then hand the signal to the
   handler that was installed before (a fault re-executes under it; a raised signal is raised
   again). A signal another process sent is handed on without being recorded. Later calls only
   move the word. Returns 0, or -errno when a sigaction failed. */
int lt_fault_recorder_install(volatile int *word);

/* waitpid(WNOHANG): returns pid when reaped (filling the outputs), 0 if still running, -1 on error. */
int lt_wait_status(pid_t pid, int *exited, int *code, int *signal_out, int *core);
#endif
