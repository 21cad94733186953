/* System calls the hostile modes of lt-test-child make that Swift cannot call directly
 * (variadic or undeclared in Glibc's module). Each returns 0 or a value, or -errno. */
#ifndef LT_TEST_CHILD_H
#define LT_TEST_CHILD_H
#include <sys/types.h>

long lt_test_ptrace_traceme(void);
long lt_test_ptrace_attach(pid_t pid);
/* init_module(NULL, 0, ""): denied by the sandbox's seccomp filter with SIGSYS. */
long lt_test_forbidden_syscall(void);
/* socket(family, SOCK_STREAM, 0): the descriptor, or -errno. */
int lt_test_socket(int family);
/* connect to 127.0.0.1:port over TCP: 0 or -errno. */
int lt_test_connect_loopback(int port);
/* Forks until fork fails or `cap` forks; every child forks on too (every 20 ms, forever).
 * Returns the errno of the failed fork (0 if the cap was reached); *forks = successful forks. */
int lt_test_fork_bomb(int cap, int *forks);
#endif
