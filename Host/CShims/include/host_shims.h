#ifndef LIGHTNING_HOST_SHIMS_H
#define LIGHTNING_HOST_SHIMS_H
#include <stddef.h>
/* dlopen flags the loader uses: RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE. */
int lt_shim_dlopen_flags(void);
#endif
