// Landlock, the second wall: even inside the new root, the program may write only where its
// rules say (/scratch, /tmp, declared rw paths) and, with the network off, bind or connect no TCP
// port (ABI >= 4); with ABI >= 6 it can neither signal processes outside its domain nor reach
// abstract unix sockets created outside it. Constants are defined here because the system
// headers may predate the running kernel's ABI.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lt_sandbox.h"
#include "sandbox_internal.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1

#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REFER (1ULL << 13)      /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)   /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)  /* ABI 5 */
#define LL_FS_V1_ALL ((1ULL << 13) - 1)
#define LL_FS_FILE_ONLY (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

#define LL_NET_BIND_TCP (1ULL << 0)     /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)  /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr { uint64_t handled_access_fs, handled_access_net, scoped; };
struct ll_path_beneath_attr { uint64_t allowed_access; int32_t parent_fd; } __attribute__((packed));

int lt_landlock_abi(void) {
    long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    return v < 0 ? 0 : (int)v;
}

int lt_landlock_apply(const lt_sandbox_config *cfg, int *step) {
    *step = -1;
    int abi = lt_landlock_abi();
    if (abi < 1) { errno = EOPNOTSUPP; return -1; }
    uint64_t fs = LL_FS_V1_ALL;
    if (abi >= 2) fs |= LL_FS_REFER;
    if (abi >= 3) fs |= LL_FS_TRUNCATE;
    if (abi >= 5) fs |= LL_FS_IOCTL_DEV;
    struct ll_ruleset_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.handled_access_fs = fs;
    size_t size = sizeof(uint64_t);
    if (abi >= 4) {
        size = 2 * sizeof(uint64_t);
        if (cfg->landlock_handle_net) attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
    }
    if (abi >= 6) {
        size = sizeof attr;
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
    }
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (rs < 0) return -1;
    for (int i = 0; i < cfg->landlock_count; i++) {
        const lt_landlock_rule *r = &cfg->landlock[i];
        uint64_t allowed;
        switch (r->access) {
        case LT_LANDLOCK_READ: allowed = LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR; break;
        case LT_LANDLOCK_WRITE: allowed = fs; break;
        case LT_LANDLOCK_DEVICE: allowed = LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_READ_DIR | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV; break;
        default: close(rs); *step = i; errno = EINVAL; return -1;
        }
        int fd = open(r->path, O_PATH | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT) continue;  // a path the plan could not create: nothing to allow
            int e = errno; close(rs); *step = i; errno = e; return -1;
        }
        struct stat st;
        if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) allowed &= LL_FS_FILE_ONLY;
        struct ll_path_beneath_attr pb = { allowed & fs, fd };
        long rc = syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0);
        int e = errno;
        close(fd);
        if (rc != 0) { close(rs); *step = i; errno = e; return -1; }
    }
    long rc = syscall(SYS_landlock_restrict_self, rs, 0);
    int e = errno;
    close(rs);
    errno = e;
    return rc == 0 ? 0 : -1;
}
