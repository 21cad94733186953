#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <unistd.h>
#include "host_shims.h"

/* The word the handler writes (a page of <data_dir>/inflight.fault) and the actions it chains to. */
static volatile int *lt_fault_word;
static struct sigaction lt_fault_previous[NSIG];
static const int lt_fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
static volatile sig_atomic_t lt_fault_installed;

/* Async-signal-safe: a store, sigaction, getpid and raise. */
static void lt_fault_handler(int sig, siginfo_t *info, void *context) {
    (void)context;
    int sent = info != NULL && info->si_code <= 0;           /* kill, raise, abort, sigqueue */
    int ours = !sent || info->si_pid == getpid();
    volatile int *word = lt_fault_word;
    if (ours && word != NULL) *word = sig;
    sigaction(sig, &lt_fault_previous[sig], NULL);
    /* A fault returns and re-executes the faulting instruction under the previous action; a sent
       signal is pending again once this handler returns. */
    if (sent) raise(sig);
}

int lt_fault_recorder_install(volatile int *word) {
    lt_fault_word = word;
    if (lt_fault_installed) return 0;
    for (size_t i = 0; i < sizeof lt_fault_signals / sizeof lt_fault_signals[0]; i++) {
        int sig = lt_fault_signals[i];
        struct sigaction sa;
        sa.sa_sigaction = lt_fault_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        if (sigaction(sig, &sa, &lt_fault_previous[sig]) != 0) return -errno;
    }
    lt_fault_installed = 1;
    return 0;
}
