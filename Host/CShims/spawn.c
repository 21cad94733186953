// Process launching for the supervisor. Everything between fork (or clone) and exec is here and
// in Host/CSandbox (a sandboxed child, docs/sandbox.md), in C, and async-signal-safe: the daemon
// is multi-threaded, so the child may only call functions that are safe after fork (no malloc,
// no locks) until execve.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "host_shims.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

// Reports a failure to the parent through the error pipe ({stage, errno, step}), then exits.
static void fail_child(int errfd, int stage, int err) {
    int msg[3] = { stage, err, -1 };
    ssize_t ignored = write(errfd, msg, sizeof msg);
    (void)ignored;
    _exit(127);
}

static int read_msg(int fd, int msg[3]) {
    ssize_t n;
    do { n = read(fd, msg, 3 * sizeof(int)); } while (n < 0 && errno == EINTR);
    return n == (ssize_t)(3 * sizeof(int));
}

// What the child needs: the request, the error pipe's write end, the daemon's pid.
typedef struct {
    const lt_spawn_request *req;
    int errfd;
    pid_t parent;
} child_args;

// The child's whole life before execve (or its failure report). Runs either in a fork()ed copy
// of the daemon (sandboxed children: unshare needs a process of its own) or, for unsandboxed
// children, in a clone(CLONE_VM | CLONE_VFORK) child on a stack of its own, as posix_spawn
// does: the daemon's page tables are not copied, so the launch does not grow with the daemon's
// memory. In that case the child shares the daemon's memory until execve, with the daemon's
// thread suspended: it writes only its own stack, and every signal stays blocked until its
// handlers are back to the defaults.
static int spawn_child(void *arg) {
    const child_args *a = (const child_args *)arg;
    const lt_spawn_request *req = a->req;
    int errfd = a->errfd;
    const lt_sandbox_config *sb = req->sandbox;
    // Join the cgroups first, so every later step and the program are limited.
    if (req->cgroup_fd_count > 0) {
        char digits[16], text[16];
        int n = 0, len = 0;
        unsigned long v = (unsigned long)getpid();
        do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v > 0 && n < (int)sizeof(digits));
        while (n > 0) text[len++] = digits[--n];
        for (int i = 0; i < req->cgroup_fd_count; i++) {
            ssize_t w;
            do { w = write(req->cgroup_fds[i], text, (size_t)len); } while (w < 0 && errno == EINTR);
            if (w != len) fail_child(errfd, LT_SPAWN_STAGE_CGROUP, w < 0 ? errno : EIO);
        }
    }
    // Own process group, so the whole group (grandchildren too) can be signalled.
    if (setpgid(0, 0) != 0) fail_child(errfd, LT_SPAWN_STAGE_SETPGID, errno);
    // Die with the daemon, even under kill -9 (the forking thread is long-lived).
    if (req->kill_on_parent_death) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail_child(errfd, LT_SPAWN_STAGE_PDEATHSIG, errno);
        if (getppid() != a->parent) _exit(127);  // the parent died before prctl
    }
    // Default signal dispositions and an empty mask (the daemon ignores SIGPIPE, blocks others).
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        sigaction(s, &dfl, 0);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    // stdio: dup2 clears O_CLOEXEC on the targets.
    if (dup2(req->stdin_fd, 0) < 0 || dup2(req->stdout_fd, 1) < 0 || dup2(req->stderr_fd, 2) < 0)
        fail_child(errfd, LT_SPAWN_STAGE_DUP, errno);
    // Close everything else except the error pipe and the sandbox's own pipes (all O_CLOEXEC:
    // the program's execve closes them).
    int keep_report = sb ? req->report_fd : -1;
    for (int fd = 3; fd < 1024; fd++) {
        if (fd != errfd && fd != keep_report) close(fd);
    }
    if (syscall(SYS_close_range, 1024, ~0U, 0) != 0) {
        // Older kernels: descriptors above 1024 are rare; they stay open only until exec if CLOEXEC.
    }
    if (sb) {
        lt_sandbox_exec ex = { req->path, req->argv, req->envp, req->cwd, req->rlimits, req->rlimit_count };
        lt_sandbox_run(sb, &ex, errfd, keep_report);
    }
    if (req->cwd && req->cwd[0] && chdir(req->cwd) != 0) fail_child(errfd, LT_SPAWN_STAGE_CHDIR, errno);
    for (int i = 0; i < req->rlimit_count; i++) {
        struct rlimit rl = { req->rlimits[i].soft, req->rlimits[i].hard };
        if (setrlimit(req->rlimits[i].resource, &rl) != 0) fail_child(errfd, LT_SPAWN_STAGE_RLIMIT, errno);
    }
    // ETXTBSY: another thread of the daemon forked while the program file was still open for
    // writing (a fresh copy); that fd closes as soon as its child execs. Retry briefly.
    // Up to about 5 s, backing off: the forked process holding it may wait for a CPU before
    // it reaches its exec on a loaded machine.
    long pause_ns = 2000000;  /* 2 ms, doubling to 256 ms; nanosleep is async-signal-safe */
    for (int attempt = 0; attempt < 24; attempt++) {
        execve(req->path, req->argv, req->envp);
        if (errno != ETXTBSY) break;
        struct timespec pause = { 0, pause_ns };
        nanosleep(&pause, 0);
        if (pause_ns < 200000000) pause_ns *= 2;
    }
    fail_child(errfd, LT_SPAWN_STAGE_EXEC, errno);
    return 127;
}

// The unsandboxed child's stack (clone(CLONE_VM) runs the child on it until execve).
#define LT_SPAWN_STACK (256 * 1024)

// Under AddressSanitizer or ThreadSanitizer (.ci/sanitizers) the shared-memory child would run
// instrumented code on a stack the sanitizer does not know: those builds fork every child.
#if defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#    define LT_SPAWN_FORK_ONLY 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#  define LT_SPAWN_FORK_ONLY 1
#endif
#ifndef LT_SPAWN_FORK_ONLY
#  define LT_SPAWN_FORK_ONLY 0
#endif

int lt_spawn(const lt_spawn_request *req, pid_t *pid_out, int *stage_out, int *errno_out, int *step_out) {
    *step_out = -1;
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) { *stage_out = LT_SPAWN_STAGE_PIPE; *errno_out = errno; return -1; }
    child_args args = { req, errpipe[1], getpid() };
    pid_t pid;
    if (req->sandbox || LT_SPAWN_FORK_ONLY) {
        pid = fork();
        if (pid == 0) { spawn_child(&args); _exit(127); }
    } else {
        void *stack = mmap(0, LT_SPAWN_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED) {
            *stage_out = LT_SPAWN_STAGE_FORK; *errno_out = errno;
            close(errpipe[0]); close(errpipe[1]);
            return -1;
        }
        // Every signal blocked across the clone: a handler of the daemon must never run on the
        // child's stack in the shared memory. The child unblocks after resetting them.
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        pid = clone(spawn_child, (char *)stack + LT_SPAWN_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
        int clone_errno = errno;
        pthread_sigmask(SIG_SETMASK, &old, 0);
        munmap(stack, LT_SPAWN_STACK);
        errno = clone_errno;
    }
    if (pid < 0) {
        *stage_out = LT_SPAWN_STAGE_FORK; *errno_out = errno;
        close(errpipe[0]); close(errpipe[1]);
        return -1;
    }
    // Parent: wait for exec (the error pipe closes) or a failure report.
    close(errpipe[1]);
    int msg[3];
    int got = read_msg(errpipe[0], msg);
    close(errpipe[0]);
    if (got) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *stage_out = msg[0]; *errno_out = msg[1]; *step_out = msg[2];
        return -1;
    }
    *pid_out = pid;
    return 0;
}

int lt_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int lt_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int lt_kill_group(pid_t pgid, int sig) { return kill(-pgid, sig); }

int lt_wait_status(pid_t pid, int *exited, int *code, int *signal_out, int *core) {
    int status = 0;
    pid_t r;
    do { r = waitpid(pid, &status, WNOHANG); } while (r < 0 && errno == EINTR);
    if (r <= 0) return (int)r;
    *exited = WIFEXITED(status);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    *signal_out = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    *core = WIFSIGNALED(status) ? WCOREDUMP(status) : 0;
    return (int)r;
}
