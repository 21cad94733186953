// The sandboxed spawn: S (outer stub), C (PID 1 of the new pid namespace), D (the program).
// See include/lt_sandbox.h for the process tree. Everything here runs after fork in a child of a
// multi-threaded process: only system calls and code that neither allocates nor locks.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lt_sandbox.h"
#include "sandbox_internal.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif

struct lt_mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };

// MARK: Failure reports

__attribute__((noreturn)) void lt_sandbox_fail(int errfd, int stage, int err, int step) {
    int msg[3] = { stage, err, step };
    ssize_t ignored = write(errfd, msg, sizeof msg);
    (void)ignored;
    _exit(127);
}

// MARK: Paths (fixed buffers, no allocation)

// dst = a + b; 0, or -1 with ENAMETOOLONG.
static int join(char *dst, size_t cap, const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb + 1 > cap) { errno = ENAMETOOLONG; return -1; }
    memcpy(dst, a, la);
    memcpy(dst + la, b, lb + 1);
    return 0;
}

// mkdir -p, mode 0755 for every component it creates.
static int mkdir_p(const char *path) {
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n + 1 > sizeof buf) { errno = ENAMETOOLONG; return -1; }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char saved = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
            buf[i] = saved;
        }
    }
    return 0;
}

static int mkdir_parent(const char *path) {
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n + 1 > sizeof buf) { errno = ENAMETOOLONG; return -1; }
    memcpy(buf, path, n + 1);
    while (n > 1 && buf[n - 1] != '/') n--;
    if (n <= 1) return 0;
    buf[n - 1] = 0;
    return mkdir_p(buf);
}

// A directory or an empty file to mount on (an existing one is fine).
static int mount_point(const char *path, int is_dir) {
    if (mkdir_parent(path) != 0) return -1;
    if (is_dir) return mkdir_p(path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

static int set_attr(const char *path, int recursive, uint64_t set) {
    struct lt_mount_attr a = { set, 0, 0, 0 };
    return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, (unsigned)(recursive ? AT_RECURSIVE : 0), &a, sizeof a);
}

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t)w;
    }
    return 0;
}

// MARK: Building the new root (in C, inside the new mount namespace)

#define OLD "/oldroot"
#define NEW "/newroot"
#define MASK_FILE "/masked"   /* in the base tmpfs: empty, mode 0, owned by root */

static int do_mount(const lt_sandbox_mount *m) {
    char src[PATH_MAX], dst[PATH_MAX];
    if (!m->target || m->target[0] != '/') { errno = EINVAL; return -1; }
    if (join(dst, sizeof dst, NEW, m->target) != 0) return -1;
    switch (m->kind) {
    case LT_MOUNT_BIND_RO:
    case LT_MOUNT_BIND_RW:
    case LT_MOUNT_BIND_DEV: {
        if (!m->source || m->source[0] != '/') { errno = EINVAL; return -1; }
        if (join(src, sizeof src, OLD, m->source) != 0) return -1;
        if (mount_point(dst, m->source_is_dir) != 0) return -1;
        int rec = m->kind != LT_MOUNT_BIND_DEV;
        if (mount(src, dst, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) != 0) return -1;
        uint64_t attrs = m->kind == LT_MOUNT_BIND_RO ? (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
                       : m->kind == LT_MOUNT_BIND_RW ? (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
                       : (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        return set_attr(dst, rec, attrs);
    }
    case LT_MOUNT_TMPFS:
        if (mkdir_p(dst) != 0) return -1;
        return mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, m->source ? m->source : "mode=0755");
    case LT_MOUNT_PROC:
        if (mkdir_p(dst) != 0) return -1;
        return mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    case LT_MOUNT_SYMLINK:
        if (!m->source) { errno = EINVAL; return -1; }
        if (mkdir_parent(dst) != 0) return -1;
        if (symlink(m->source, dst) != 0 && errno != EEXIST) return -1;
        return 0;
    case LT_MOUNT_FILE: {
        if (mkdir_parent(dst) != 0) return -1;
        int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0444);
        if (fd < 0) return -1;
        int rc = m->source ? write_all(fd, m->source, strlen(m->source)) : 0;
        close(fd);
        return rc;
    }
    case LT_MOUNT_DIR:
        return mkdir_p(dst);
    case LT_MOUNT_MASK: {
        // A directory: an empty tmpfs that can be crossed (binds inside it, made later, show
        // through) but not listed; sealed read-only at the end. A file: an empty mode-0 file.
        struct stat st;
        if (lstat(dst, &st) != 0) return errno == ENOENT ? 0 : -1;  // nothing to hide
        if (S_ISDIR(st.st_mode))
            return mount("lt-mask", dst, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0711,size=64k");
        if (mount(MASK_FILE, dst, NULL, MS_BIND, NULL) != 0) return -1;
        return set_attr(dst, 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV);
    }
    default:
        errno = EINVAL;
        return -1;
    }
}

// bwrap's way: a tmpfs over base_dir becomes the root, the host tree moves to /oldroot, the new
// root is assembled in /newroot from /oldroot paths, and a final pivot_root drops the rest.
static void build_root(const lt_sandbox_config *cfg, int errfd) {
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_MOUNT_PRIVATE, errno, -1);
    const char *base = cfg->base_dir && cfg->base_dir[0] ? cfg->base_dir : "/tmp";
    if (mount("lt-base", base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") != 0)
        lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_ROOT_TMPFS, errno, -1);
    if (chdir(base) != 0 || mkdir("oldroot", 0755) != 0 || mkdir("newroot", 0755) != 0)
        lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_ROOT_TMPFS, errno, -1);
    if (syscall(SYS_pivot_root, ".", "oldroot") != 0 || chdir("/") != 0)
        lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_PIVOT, errno, -1);
    if (mount("lt-root", NEW, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m") != 0)
        lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_ROOT_TMPFS, errno, -1);
    int mask = open(MASK_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (mask < 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_ROOT_TMPFS, errno, -1);
    close(mask);
    for (int i = 0; i < cfg->mount_count; i++) {
        if (do_mount(&cfg->mounts[i]) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_MOUNT, errno, i);
    }
    // Masked directories become read-only once every bind inside them is in place.
    for (int i = 0; i < cfg->mount_count; i++) {
        const lt_sandbox_mount *m = &cfg->mounts[i];
        char dst[PATH_MAX];
        struct stat st;
        if (m->kind != LT_MOUNT_MASK || join(dst, sizeof dst, NEW, m->target) != 0) continue;
        if (lstat(dst, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        if (set_attr(dst, 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC) != 0)
            lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_MOUNT, errno, i);
    }
    // The skeleton itself (mount points, /etc/passwd, symlinks) becomes read-only.
    if (set_attr(NEW, 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV) != 0)
        lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_ROOT_TMPFS, errno, -1);
    if (chdir(NEW) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
        lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_PIVOT, errno, -1);
}

static int loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(s);
    errno = e;
    return rc;
}

// MARK: Signals

static volatile pid_t forward_to;

static void forward_signal(int sig) {
    int e = errno;
    if (forward_to > 0) kill(forward_to, sig);
    errno = e;
}

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };

static void install_forwarding(pid_t to) {
    forward_to = to;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaction(forwarded[i], &sa, 0);
}

// Ends the calling process the way `status` says (same code, or the same signal).
__attribute__((noreturn)) static void end_like(int status) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        struct rlimit none = { 0, 0 };
        setrlimit(RLIMIT_CORE, &none);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(sig, &dfl, 0);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, 0);
        kill(getpid(), sig);
        _exit(128 + sig);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

static void close_stdio(void) {
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; i < 3; i++) {
        if (fd >= 0) dup2(fd, i); else close(i);
    }
    if (fd > 2) close(fd);
}

// "/proc/<pid>/<file>" and "<inner> <outer> 1\n" without printf (not async-signal-safe).
static char *put_uint(char *p, unsigned long v) {
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

static int write_id_maps(pid_t pid, const lt_sandbox_config *cfg) {
    const char *files[2] = { "/uid_map", "/gid_map" };
    uint32_t inner[2] = { cfg->uid, cfg->gid }, outer[2] = { cfg->outer_uid, cfg->outer_gid };
    for (int i = 0; i < 2; i++) {
        char path[64], line[64];
        char *p = path;
        memcpy(p, "/proc/", 6); p += 6;
        p = put_uint(p, (unsigned long)pid);
        size_t fl = strlen(files[i]);
        memcpy(p, files[i], fl + 1);
        char *q = put_uint(line, inner[i]);
        *q++ = ' ';
        q = put_uint(q, outer[i]);
        memcpy(q, " 1\n", 3); q += 3;
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) return -1;
        ssize_t w = write(fd, line, (size_t)(q - line));
        int e = errno;
        close(fd);
        if (w != q - line) { errno = w < 0 ? e : EIO; return -1; }
    }
    return 0;
}

// MARK: D, the program

__attribute__((noreturn)) static void program_main(const lt_sandbox_config *cfg, const lt_sandbox_exec *ex, int errfd,
                                                   int to_init, int from_init) {
    if (cfg->flags & LT_SANDBOX_USER_NS) {
        // A user namespace of its own (NPROC is counted per user namespace and uid, so a fork
        // bomb meets its own limit); C, outside it, writes the id maps.
        if (unshare(CLONE_NEWUSER) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_UNSHARE, errno, 1);
        char b = 1;
        if (write(to_init, &b, 1) != 1) _exit(127);
        ssize_t n;
        do { n = read(from_init, &b, 1); } while (n < 0 && errno == EINTR);
        if (n != 1) _exit(127);  // C reports why
        close(to_init); close(from_init);
        if (setgroups(0, NULL) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_SETID, errno, 0);
        if (setresgid(cfg->gid, cfg->gid, cfg->gid) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_SETID, errno, 1);
        if (setresuid(cfg->uid, cfg->uid, cfg->uid) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_SETID, errno, 2);
    }
    // Changing credentials cleared the parent-death signal; C's death kills the namespace anyway.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const char *cwd = ex->cwd && ex->cwd[0] ? ex->cwd : "/";
    if (chdir(cwd) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_CHDIR, errno, -1);
    if ((cfg->flags & LT_SANDBOX_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_NO_NEW_PRIVS, errno, -1);
    if (cfg->flags & LT_SANDBOX_LANDLOCK) {
        int step = -1;
        if (lt_landlock_apply(cfg, &step) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_LANDLOCK, errno, step);
    }
    // Limits last but one: a small RLIMIT_NOFILE or RLIMIT_AS must not break the steps above.
    for (int i = 0; i < ex->rlimit_count; i++) {
        struct rlimit rl = { ex->rlimits[i].soft, ex->rlimits[i].hard };
        if (setrlimit(ex->rlimits[i].resource, &rl) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_RLIMIT, errno, i);
    }
    if ((cfg->flags & LT_SANDBOX_SECCOMP) && lt_seccomp_install((cfg->flags & LT_SANDBOX_ALLOW_INET) != 0) != 0)
        lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_SECCOMP, errno, -1);
    // ETXTBSY: a fresh copy of the program may still be open for writing in a process another
    // thread forked meanwhile; it closes when that one execs. Retry briefly (as spawn.c does).
    // Up to about 5 s, backing off: the forked process holding it may wait for a CPU before
    // it reaches its exec on a loaded machine.
    long pause_ns = 2000000;  /* 2 ms, doubling to 256 ms; nanosleep is async-signal-safe */
    for (int attempt = 0; attempt < 24; attempt++) {
        execve(ex->path, ex->argv, ex->envp);
        if (errno != ETXTBSY) break;
        struct timespec pause = { 0, pause_ns };
        nanosleep(&pause, 0);
        if (pause_ns < 200000000) pause_ns *= 2;
    }
    lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_EXEC, errno, -1);
}

// MARK: C, PID 1 of the new pid namespace

__attribute__((noreturn)) static void init_main(const lt_sandbox_config *cfg, const lt_sandbox_exec *ex, int errfd, int statusfd) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NAME, "lt-sandbox-init");
    if (!(cfg->flags & LT_SANDBOX_PID_NS)) prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (cfg->flags & LT_SANDBOX_MOUNT_NS) build_root(cfg, errfd);
    if ((cfg->flags & LT_SANDBOX_NET_NS) && loopback_up() != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_NETWORK, errno, -1);
    if ((cfg->flags & LT_SANDBOX_UTS_NS) && cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) != 0)
        lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_HOSTNAME, errno, -1);
    int up[2] = { -1, -1 }, down[2] = { -1, -1 };
    if ((cfg->flags & LT_SANDBOX_USER_NS) && (pipe2(up, O_CLOEXEC) != 0 || pipe2(down, O_CLOEXEC) != 0))
        lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_FORK_CHILD, errno, -1);
    pid_t d = fork();
    if (d < 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_FORK_CHILD, errno, -1);
    if (d == 0) {
        close(statusfd);
        if (up[0] >= 0) { close(up[0]); close(down[1]); }
        program_main(cfg, ex, errfd, up[1], down[0]);
    }
    if (cfg->flags & LT_SANDBOX_USER_NS) {
        close(up[1]); close(down[0]);
        char b = 0;
        ssize_t n;
        do { n = read(up[0], &b, 1); } while (n < 0 && errno == EINTR);
        if (n != 1) _exit(127);  // D failed before asking (and reported why)
        if (write_id_maps(d, cfg) != 0) { int e = errno; kill(d, SIGKILL); lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_ID_MAP, e, -1); }
        if (write(down[1], &b, 1) != 1) _exit(127);
        close(up[0]); close(down[1]);
    }
    close(errfd);
    install_forwarding(d);
    close_stdio();  // the program's stdout reaches EOF when the program closes it
    for (;;) {
        int st = 0;
        struct rusage ru;
        pid_t r = wait4(-1, &st, 0, &ru);
        if (r < 0) {
            if (errno == EINTR) continue;
            _exit(127);  // no children left without seeing D: cannot happen
        }
        if (r != d) continue;  // an orphan reaped
        lt_sandbox_report rep;
        memset(&rep, 0, sizeof rep);
        rep.valid = 1;
        rep.wait_status = st;
        rep.user_usec = (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
        rep.system_usec = (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
        rep.max_rss_kb = ru.ru_maxrss;
        write_all(statusfd, (const char *)&rep, sizeof rep);
        _exit(0);  // as PID 1: the kernel kills what is left in the namespace
    }
}

// MARK: S, the outer stub

void lt_sandbox_run(const lt_sandbox_config *cfg, const lt_sandbox_exec *ex, int errfd, int reportfd) {
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_FORK_INIT, errno, -1);
    // S and C stay in the daemon's user namespace (root): they build the root and own every
    // namespace, so the program (in a user namespace of its own, see program_main) holds no
    // capability over its mounts, network or pids. Neither is dumpable: their memory is a copy
    // of the daemon's.
    prctl(PR_SET_DUMPABLE, 0);
    prctl(PR_SET_NAME, "lt-sandbox");  // comm, as `ps -o comm` shows it (argv stays the daemon's)
    int ns = 0;
    if (cfg->flags & LT_SANDBOX_MOUNT_NS) ns |= CLONE_NEWNS;
    if (cfg->flags & LT_SANDBOX_PID_NS) ns |= CLONE_NEWPID;
    if (cfg->flags & LT_SANDBOX_IPC_NS) ns |= CLONE_NEWIPC;
    if (cfg->flags & LT_SANDBOX_UTS_NS) ns |= CLONE_NEWUTS;
    if (cfg->flags & LT_SANDBOX_NET_NS) ns |= CLONE_NEWNET;
    if (ns && unshare(ns) != 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_UNSHARE, errno, -1);
    pid_t c = fork();
    if (c < 0) lt_sandbox_fail(errfd, LT_SANDBOX_STAGE_FORK_INIT, errno, -1);
    if (c == 0) {
        close(status_pipe[0]);
        if (reportfd >= 0) close(reportfd);
        init_main(cfg, ex, errfd, status_pipe[1]);
    }
    close(status_pipe[1]);
    close(errfd);
    install_forwarding(c);
    close_stdio();
    int st = 0;
    while (waitpid(c, &st, 0) < 0) {
        if (errno != EINTR) _exit(127);
    }
    lt_sandbox_report rep;
    ssize_t n;
    do { n = read(status_pipe[0], &rep, sizeof rep); } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof rep && rep.valid == 1) {
        if (reportfd >= 0) write_all(reportfd, (const char *)&rep, sizeof rep);
        end_like(rep.wait_status);
    }
    end_like(st);  // C itself was killed (SIGKILL to the group, PDEATHSIG)
}
