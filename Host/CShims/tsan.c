#include "host_shims.h"

/* See host_shims.h: TSan's own acquire/release, only in a -fsanitize=thread build. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LT_TSAN 1
#endif
#endif

#ifdef LT_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void lt_tsan_acquire(const void *addr) { __tsan_acquire((void *)addr); }
void lt_tsan_release(const void *addr) { __tsan_release((void *)addr); }
#else
void lt_tsan_acquire(const void *addr) { (void)addr; }
void lt_tsan_release(const void *addr) { (void)addr; }
#endif
