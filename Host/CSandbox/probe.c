// Kernel probe: which isolation features work here. Namespaces, no_new_privs and the seccomp
// filter are tried in a short-lived child (they cannot be undone); Landlock's ABI and seccomp's
// action list are read in place.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lt_sandbox.h"

#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif

int lt_sandbox_probe(lt_sandbox_probe_result *out) {
    memset(out, 0, sizeof *out);
    out->landlock_abi = lt_landlock_abi();
    unsigned action = SECCOMP_RET_KILL_PROCESS;
    out->seccomp_kill_process = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(p[0]); close(p[1]); errno = e; return -1; }
    if (pid == 0) {
        lt_sandbox_probe_result r;
        memset(&r, 0, sizeof r);
        r.user_ns = unshare(CLONE_NEWUSER) == 0;
        if (!r.user_ns) r.unshare_errno = errno;
        static const int flags[5] = { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS };
        int *fields[5] = { &r.mount_ns, &r.pid_ns, &r.net_ns, &r.ipc_ns, &r.uts_ns };
        for (int i = 0; i < 5; i++) {
            *fields[i] = unshare(flags[i]) == 0;
            if (!*fields[i] && r.unshare_errno == 0) r.unshare_errno = errno;
        }
        r.no_new_privs = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
        r.seccomp_filter = lt_seccomp_install(0) == 0;
        ssize_t ignored = write(p[1], &r, sizeof r);
        (void)ignored;
        _exit(0);
    }
    close(p[1]);
    lt_sandbox_probe_result r;
    ssize_t n;
    do { n = read(p[0], &r, sizeof r); } while (n < 0 && errno == EINTR);
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (n != (ssize_t)sizeof r) { errno = EIO; return -1; }
    r.landlock_abi = out->landlock_abi;
    r.seccomp_kill_process = out->seccomp_kill_process;
    *out = r;
    return 0;
}
