// The seccomp-bpf filter, written by hand with the classic BPF macros (docs/sandbox.md lists
// every rule and why it kills or fails with EPERM).
//
//   arch != the build's (x86_64 or aarch64)  → KILL_PROCESS   (no i386/x32 side door)
//   x86_64 x32 numbers (bit 30)              → KILL_PROCESS
//   kexec, module loading, open_by_handle_at, iopl/ioperm, swapon/off → KILL_PROCESS (SIGSYS):
//                                              no legitimate program calls them; a call is an attack
//   ptrace, process_vm_*, the mount API, chroot, setns, bpf, keyrings, perf_event_open,
//   userfaultfd, io_uring (it could open sockets behind the socket rule), quotactl, acct,
//   name_to_handle_at, syslog, vhangup           → ERRNO(EPERM): probes and fallbacks keep working
//   unshare / clone with a namespace flag    → ERRNO(EPERM); clone3 → ERRNO(ENOSYS) (its flags
//                                              are behind a pointer; libc falls back to clone)
//   socket(AF_INET | AF_INET6) unless allowed → ERRNO(EPERM)
//   everything else                          → ALLOW
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lt_sandbox.h"

#if defined(__x86_64__)
#define LT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define LT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "the seccomp filter knows x86_64 and aarch64 only"
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif

// Newer system calls, same numbers on x86_64 and aarch64.
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_fsconfig
#define __NR_fsconfig 431
#endif
#ifndef __NR_fsmount
#define __NR_fsmount 432
#endif
#ifndef __NR_fspick
#define __NR_fspick 433
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
#define CLONE_NEWTIME_FLAG 0x00000080  /* unshare only: in clone()'s flags this byte is the exit signal */

#define MAX_INSNS 200

typedef struct { struct sock_filter *p; int n; } prog_t;

static int emit(prog_t *b, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k) {
    if (b->n >= MAX_INSNS) return -1;
    b->p[b->n].code = code; b->p[b->n].jt = jt; b->p[b->n].jf = jf; b->p[b->n].k = k;
    b->n++;
    return 0;
}

// (Separate statements: the operands of `|` may be evaluated in any order.)
static int rule(prog_t *b, int nr, uint32_t action) {
    int bad = emit(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (uint32_t)nr);
    bad |= emit(b, BPF_RET | BPF_K, 0, 0, action);
    return bad;
}

// nr with (arg0 & mask) != 0 → action; nr otherwise → ALLOW.
static int rule_flags(prog_t *b, int nr, uint32_t mask, uint32_t action) {
    int bad = emit(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, (uint32_t)nr);
    bad |= emit(b, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG_LO(0));
    bad |= emit(b, BPF_JMP | BPF_JSET | BPF_K, 0, 1, mask);
    bad |= emit(b, BPF_RET | BPF_K, 0, 0, action);
    bad |= emit(b, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
    return bad;
}

int lt_seccomp_install(int allow_inet) {
    struct sock_filter insns[MAX_INSNS];
    prog_t b = { insns, 0 };
    const uint32_t kill = SECCOMP_RET_KILL_PROCESS, eperm = SECCOMP_RET_ERRNO | EPERM;
    int bad = 0;
    bad |= emit(&b, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
    bad |= emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, LT_AUDIT_ARCH);
    bad |= emit(&b, BPF_RET | BPF_K, 0, 0, kill);
    bad |= emit(&b, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
    bad |= emit(&b, BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000U);  // x32 ABI
    bad |= emit(&b, BPF_RET | BPF_K, 0, 0, kill);
#endif
    // Killed: nothing legitimate calls these.
    static const int killed[] = {
        __NR_kexec_load,
#ifdef __NR_kexec_file_load
        __NR_kexec_file_load,
#endif
        __NR_init_module, __NR_finit_module, __NR_delete_module, __NR_open_by_handle_at,
#ifdef __NR_iopl
        __NR_iopl,
#endif
#ifdef __NR_ioperm
        __NR_ioperm,
#endif
        __NR_swapon, __NR_swapoff,
    };
    for (size_t i = 0; i < sizeof killed / sizeof killed[0]; i++) bad |= rule(&b, killed[i], kill);
    // Denied with EPERM.
    static const int denied[] = {
        __NR_ptrace, __NR_process_vm_readv, __NR_process_vm_writev,
        __NR_mount, __NR_umount2, __NR_pivot_root, __NR_chroot,
        __NR_open_tree, __NR_move_mount, __NR_fsopen, __NR_fsconfig, __NR_fsmount, __NR_fspick,
        __NR_mount_setattr, __NR_open_tree_attr, __NR_setns,
        __NR_bpf, __NR_keyctl, __NR_add_key, __NR_request_key, __NR_perf_event_open, __NR_userfaultfd,
        __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
        __NR_quotactl, __NR_acct, __NR_name_to_handle_at, __NR_syslog, __NR_vhangup, __NR_reboot,
    };
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) bad |= rule(&b, denied[i], eperm);
    bad |= rule(&b, __NR_clone3, SECCOMP_RET_ERRNO | ENOSYS);
    bad |= rule_flags(&b, __NR_clone, NS_FLAGS, eperm);
    bad |= rule_flags(&b, __NR_unshare, NS_FLAGS | CLONE_NEWTIME_FLAG, eperm);
    if (!allow_inet) {
        // socket(AF_INET | AF_INET6, ...) → EPERM; other families → ALLOW.
        bad |= emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 0, 5, __NR_socket);
        bad |= emit(&b, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG_LO(0));
        bad |= emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, AF_INET);
        bad |= emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AF_INET6);
        bad |= emit(&b, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
        bad |= emit(&b, BPF_RET | BPF_K, 0, 0, eperm);
    }
    bad |= emit(&b, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
    if (bad) { errno = E2BIG; return -1; }
    struct sock_fprog fprog = { (unsigned short)b.n, insns };
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
}
