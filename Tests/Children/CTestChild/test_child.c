// The raw system calls of lt-test-child's hostile modes (Tests/Children/TestChild/Hostile.swift).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "test_child.h"

long lt_test_ptrace_traceme(void) { return ptrace(PTRACE_TRACEME, 0, 0, 0) == 0 ? 0 : -errno; }

long lt_test_ptrace_attach(pid_t pid) { return ptrace(PTRACE_ATTACH, pid, 0, 0) == 0 ? 0 : -errno; }

long lt_test_forbidden_syscall(void) { return syscall(SYS_init_module, (void *)0, 0UL, "") == 0 ? 0 : -errno; }

int lt_test_socket(int family) {
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    return fd >= 0 ? fd : -errno;
}

int lt_test_connect_loopback(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

int lt_test_fork_bomb(int cap, int *forks) {
    *forks = 0;
    struct timespec tick = { 0, 20 * 1000 * 1000 };
    while (*forks < cap) {
        pid_t p = fork();
        if (p < 0) return errno;
        if (p == 0) {
            for (;;) { (void)fork(); nanosleep(&tick, 0); }  // after fork: async-signal-safe only
        }
        (*forks)++;
    }
    return 0;
}
