/* The sandbox launcher: namespaces, a new root of bind mounts, Landlock, seccomp-bpf, rlimits,
 * no_new_privs (docs/sandbox.md).
 *
 * Everything a sandboxed child runs between fork and execve is in this target, in C, and
 * async-signal-safe: the daemon is multi-threaded, so after fork only system calls and code that
 * neither allocates nor locks may run. The host (Swift) computes the whole plan beforehand (which
 * paths to bind where, which Landlock rules, which limits); this code executes it and reports
 * the first step that failed.
 *
 * Process tree of one sandboxed child:
 *
 *   daemon (launcher thread) ── fork ──▶ S  outer stub: same pid namespace as the daemon; the pid
 *                                        │  the supervisor sees, leader of the process group.
 *                                        │  unshare(mount, pid, ipc, uts[, net]) as root
 *                                        └─ fork ─▶ C  PID 1 of the new pid namespace: mounts, the
 *                                                   │  new root, lo up; writes D's id maps; then
 *                                                   │  reaps and forwards signals
 *                                                   └─ fork ─▶ D  unshare(user); setgroups/setresuid
 *                                                              to the sandbox uid, no_new_privs,
 *                                                              Landlock, rlimits, seccomp,
 *                                                              execve(program)
 *
 * When D ends, C relays D's wait status and resource usage to S and exits (the kernel then kills
 * whatever is left in the namespace); S writes the report for the host and ends the same way D
 * did (same exit code, or the same signal), so the supervisor sees the program's own exit.
 * Why not run the program as PID 1: an init process ignores every signal it has no handler for,
 * so a program that relies on SIGTERM's default action would never stop; and PID 1 must reap
 * orphans. */
#ifndef LIGHTNING_SANDBOX_H
#define LIGHTNING_SANDBOX_H
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* The RLIMIT_* resources the host sets (some are macros Swift does not import). */
enum {
    LT_RLIMIT_AS = RLIMIT_AS,
    LT_RLIMIT_CPU = RLIMIT_CPU,
    LT_RLIMIT_NOFILE = RLIMIT_NOFILE,
    LT_RLIMIT_NPROC = RLIMIT_NPROC,
    LT_RLIMIT_FSIZE = RLIMIT_FSIZE,
    LT_RLIMIT_CORE = RLIMIT_CORE,
};

/* Stages a spawn can fail at (reported to the host with errno and the plan step index).
 * 1-19 are the plain spawn's (host_shims.h); the sandbox's start at 20. */
enum {
    LT_SANDBOX_STAGE_UNSHARE = 20,
    LT_SANDBOX_STAGE_ID_MAP = 21,
    LT_SANDBOX_STAGE_FORK_INIT = 22,
    LT_SANDBOX_STAGE_MOUNT_PRIVATE = 23,
    LT_SANDBOX_STAGE_ROOT_TMPFS = 24,
    LT_SANDBOX_STAGE_PIVOT = 25,
    LT_SANDBOX_STAGE_MOUNT = 26,         /* step = index in mounts */
    LT_SANDBOX_STAGE_NETWORK = 27,
    LT_SANDBOX_STAGE_HOSTNAME = 28,
    LT_SANDBOX_STAGE_FORK_CHILD = 29,
    LT_SANDBOX_STAGE_SETID = 30,
    LT_SANDBOX_STAGE_NO_NEW_PRIVS = 31,
    LT_SANDBOX_STAGE_LANDLOCK = 32,      /* step = index in landlock rules, or -1 for the ruleset */
    LT_SANDBOX_STAGE_SECCOMP = 33,
    LT_SANDBOX_STAGE_CHDIR = 34,
    LT_SANDBOX_STAGE_RLIMIT = 35,        /* step = index in rlimits */
    LT_SANDBOX_STAGE_EXEC = 36,
};

/* What to set up (lt_sandbox_config.flags). */
enum {
    LT_SANDBOX_USER_NS = 1 << 0,     /* new user namespace; the program runs as uid/gid below */
    LT_SANDBOX_PID_NS = 1 << 1,      /* new pid namespace (C is its PID 1) */
    LT_SANDBOX_IPC_NS = 1 << 2,
    LT_SANDBOX_UTS_NS = 1 << 3,      /* hostname = config.hostname */
    LT_SANDBOX_NET_NS = 1 << 4,      /* new network namespace: only lo (brought up) */
    LT_SANDBOX_MOUNT_NS = 1 << 5,    /* new mount namespace and a new root built from `mounts` */
    LT_SANDBOX_NO_NEW_PRIVS = 1 << 6,
    LT_SANDBOX_SECCOMP = 1 << 7,     /* the filter of lt_seccomp_install */
    LT_SANDBOX_ALLOW_INET = 1 << 8,  /* seccomp lets socket(AF_INET/AF_INET6) through */
    LT_SANDBOX_LANDLOCK = 1 << 9,    /* apply `landlock` rules (refused if the kernel has none) */
};

/* One step of building the new root. Paths are absolute; `target` is inside the sandbox. */
enum {
    LT_MOUNT_BIND_RO = 1,    /* bind source (recursively) read-only, nosuid, nodev */
    LT_MOUNT_BIND_RW = 2,    /* bind source (recursively) read-write, nosuid, nodev */
    LT_MOUNT_BIND_DEV = 3,   /* bind a device node (nosuid, noexec; devices allowed) */
    LT_MOUNT_TMPFS = 4,      /* tmpfs; source = mount options ("mode=1777,size=64m") */
    LT_MOUNT_PROC = 5,       /* a fresh proc for the new pid namespace */
    LT_MOUNT_SYMLINK = 6,    /* symlink target -> source (the link text) */
    LT_MOUNT_FILE = 7,       /* a regular file whose contents are source, mode 0444 */
    LT_MOUNT_DIR = 8,        /* an empty directory, mode 0755 */
    LT_MOUNT_MASK = 9,       /* hide target (in an earlier bind): an empty read-only tmpfs for a
                                directory, /dev/null for a file (source = "dir" or "file") */
};

typedef struct {
    int kind;                /* LT_MOUNT_* */
    const char *source;      /* see the kinds; NULL when unused */
    const char *target;
    int source_is_dir;       /* for binds: create a directory (1) or a file (0) as mount point */
} lt_sandbox_mount;

/* Landlock access classes for one path (inside the sandbox). */
enum {
    LT_LANDLOCK_READ = 1,    /* read files, list directories, execute */
    LT_LANDLOCK_WRITE = 2,   /* everything: create, write, remove, rename, truncate */
    LT_LANDLOCK_DEVICE = 3,  /* read and write existing files (device nodes), ioctl */
};

typedef struct {
    const char *path;
    int access;              /* LT_LANDLOCK_* */
} lt_landlock_rule;

typedef struct {
    int resource;            /* RLIMIT_* */
    unsigned long long soft;
    unsigned long long hard;
} lt_sandbox_rlimit;

/* The plan for one sandboxed child. Every pointer must stay valid until lt_sandbox_spawn
 * returns; nothing is retained. */
typedef struct {
    uint32_t struct_size;    /* sizeof(lt_sandbox_config) as built */
    uint32_t flags;          /* LT_SANDBOX_* */
    uint32_t uid, gid;       /* the program's ids inside the user namespace */
    uint32_t outer_uid, outer_gid;  /* what they map to outside (C writes the maps) */
    const char *hostname;    /* with LT_SANDBOX_UTS_NS */
    const char *base_dir;    /* an existing host directory to build the root in ("/tmp");
                                covered by a tmpfs only inside the new mount namespace */
    const lt_sandbox_mount *mounts;
    int mount_count;
    const lt_landlock_rule *landlock;
    int landlock_count;
    int landlock_handle_net;  /* deny TCP bind/connect through Landlock too (ABI >= 4) */
} lt_sandbox_config;

/* What S reports on the report descriptor when the program has ended (host byte order). */
typedef struct {
    int32_t valid;           /* 1 */
    int32_t wait_status;     /* the program's raw wait status */
    int64_t user_usec;       /* its CPU time (and its waited-for descendants') */
    int64_t system_usec;
    int64_t max_rss_kb;
} lt_sandbox_report;

/* The program and its process settings, as for a plain spawn. */
typedef struct {
    const char *path;          /* absolute, as seen inside the sandbox */
    char *const *argv;
    char *const *envp;
    const char *cwd;           /* inside; NULL or "" = "/" */
    const lt_sandbox_rlimit *rlimits;
    int rlimit_count;
} lt_sandbox_exec;

/* Runs in S, the forked child of the launcher, after the generic steps (process group,
 * PDEATHSIG, signal dispositions, stdio, closed descriptors). Never returns.
 * - errfd: the spawn error pipe (O_CLOEXEC); failures are written as int[3] {stage, errno, step}.
 * - reportfd: where S writes an lt_sandbox_report when the program ends (-1: none).
 * Needs root in the daemon's user namespace (S and C build the root as root; the program alone
 * enters a user namespace of its own, whose maps C writes). [after-fork] async-signal-safe. */
void lt_sandbox_run(const lt_sandbox_config *cfg, const lt_sandbox_exec *exec, int errfd, int reportfd)
    __attribute__((noreturn));

/* Installs the seccomp filter on the calling thread (no_new_privs must be set, or the caller
 * privileged). allow_inet: let socket(AF_INET/AF_INET6) through. Returns 0 or -1 with errno.
 * [after-fork] async-signal-safe. */
int lt_seccomp_install(int allow_inet);

/* The Landlock ABI version of the running kernel, 0 when it has none (or it is disabled). */
int lt_landlock_abi(void);

/* What the kernel offers, found by trying each feature in a short-lived child. */
typedef struct {
    int user_ns, pid_ns, mount_ns, net_ns, ipc_ns, uts_ns;   /* 1 = unshare worked */
    int seccomp_filter;        /* 1 = a filter can be installed (tried in the child) */
    int seccomp_kill_process;  /* 1 = SECCOMP_RET_KILL_PROCESS is available */
    int landlock_abi;          /* 0 = none */
    int no_new_privs;          /* 1 = PR_SET_NO_NEW_PRIVS worked */
    int unshare_errno;         /* errno of the first namespace that failed, 0 if none */
} lt_sandbox_probe_result;

/* Probes the kernel. Returns 0, or -1 with errno when the probe child could not run. */
int lt_sandbox_probe(lt_sandbox_probe_result *out);
#endif
