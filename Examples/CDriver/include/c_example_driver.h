/* The C example driver exports only lt_plugin_entry (declared in lightning_plugin.h). */
#ifndef C_EXAMPLE_DRIVER_H
#define C_EXAMPLE_DRIVER_H
#include "lightning_plugin.h"
#endif
