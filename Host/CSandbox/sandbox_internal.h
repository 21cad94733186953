// Shared between the sandbox's C files; not part of the public header.
#ifndef LIGHTNING_SANDBOX_INTERNAL_H
#define LIGHTNING_SANDBOX_INTERNAL_H
#include "lt_sandbox.h"

/* Writes {stage, err, step} to errfd and _exit(127)s. [after-fork] */
__attribute__((noreturn)) void lt_sandbox_fail(int errfd, int stage, int err, int step);

/* Applies cfg's Landlock rules to the calling thread (no_new_privs set). On failure returns -1
 * with errno and *step = the failing rule's index (-1: the ruleset itself). [after-fork] */
int lt_landlock_apply(const lt_sandbox_config *cfg, int *step);
#endif
