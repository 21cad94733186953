#define _GNU_SOURCE
#include <sys/socket.h>
#include "host_shims.h"

int lt_shim_so_peercred(void) { return SO_PEERCRED; }
