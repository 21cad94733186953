/* The ABI target is header-only; this file exists so SwiftPM builds it as a C module. */
#include "lightning_plugin.h"
