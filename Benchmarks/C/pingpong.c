// The floor of a host <-> child round trip: two processes, two pipes, a fixed-size message
// written by one and echoed back by the other, nothing else (no framing, no JSON, no threads).
// Compiled with `cc -O2` by lightning-bench at run time (Benchmarks/Sources/Support/CBuild.swift).
//
//   pingpong ITERATIONS PIN WINDOW BYTES
//     PIN     1: both processes on CPU 0; 2: parent on CPU 0, child on CPU 1 (always a cross-CPU
//             wake-up); 0: the scheduler decides (it often keeps both on one CPU, sometimes not)
//     WINDOW  1: one message in flight, prints latency; N > 1: N in flight, prints throughput
//   prints one line: "median_ns=<n> p99_ns=<n> rate=<messages per second>"
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int full_read(int fd, char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r == 0) return 0;
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        got += (size_t)r;
    }
    return 1;
}

static int full_write(int fd, const char *buf, size_t n) {
    size_t put = 0;
    while (put < n) {
        ssize_t w = write(fd, buf + put, n - put);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        put += (size_t)w;
    }
    return 1;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: pingpong ITERATIONS PIN WINDOW BYTES\n"); return 64; }
    long iterations = atol(argv[1]);
    int pin = atoi(argv[2]);
    long window = atol(argv[3]);
    size_t bytes = (size_t)atol(argv[4]);
    if (iterations < 1 || window < 1 || bytes < 1 || bytes > 4096) { fprintf(stderr, "pingpong: bad arguments\n"); return 64; }
    if (pin) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); return 1; }
    }
    int down[2], up[2];
    if (pipe(down) != 0 || pipe(up) != 0) { perror("pipe"); return 1; }
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    char buf[4096];
    if (pid == 0) {
        if (pin == 2) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(1, &set);
            if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); _exit(1); }
        }
        close(down[1]); close(up[0]);
        for (;;) {
            int r = full_read(down[0], buf, bytes);
            if (r <= 0) _exit(0);
            if (full_write(up[1], buf, bytes) < 0) _exit(1);
        }
    }
    close(down[0]); close(up[1]);
    memset(buf, 'x', bytes);
    buf[bytes - 1] = '\n';
    long warmup = iterations / 10 + 10;
    for (long i = 0; i < warmup; i++) {
        full_write(down[1], buf, bytes);
        full_read(up[0], buf, bytes);
    }
    if (window == 1) {
        long long *samples = malloc(sizeof(long long) * (size_t)iterations);
        long long start = now_ns();
        for (long i = 0; i < iterations; i++) {
            long long t0 = now_ns();
            full_write(down[1], buf, bytes);
            full_read(up[0], buf, bytes);
            samples[i] = now_ns() - t0;
        }
        long long total = now_ns() - start;
        qsort(samples, (size_t)iterations, sizeof(long long), cmp);
        long p99 = (long)((double)(iterations - 1) * 0.99 + 0.5);
        printf("median_ns=%lld p99_ns=%lld rate=%.0f\n", samples[iterations / 2], samples[p99],
               (double)iterations * 1e9 / (double)total);
        free(samples);
    } else {
        long sent = 0, received = 0;
        long long start = now_ns();
        while (sent < window && sent < iterations) { full_write(down[1], buf, bytes); sent++; }
        while (received < iterations) {
            full_read(up[0], buf, bytes);
            received++;
            if (sent < iterations) { full_write(down[1], buf, bytes); sent++; }
        }
        long long total = now_ns() - start;
        printf("median_ns=0 p99_ns=0 rate=%.0f\n", (double)iterations * 1e9 / (double)total);
    }
    close(down[1]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return 0;
}
