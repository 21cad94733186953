#define _GNU_SOURCE
#include <dlfcn.h>
#include "host_shims.h"
int lt_shim_dlopen_flags(void) { return RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE; }
