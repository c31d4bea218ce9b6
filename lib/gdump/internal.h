/* Declarations shared by the files of lib/gdump (not part of the public API). */
#ifndef GOSCOPE_GDUMP_INTERNAL_H
#define GOSCOPE_GDUMP_INTERNAL_H

#include "goscope/goroutine.h"

/* The runtime's isSystemGoroutine test on a start function name. */
bool gs_gdump_is_system_func(const char *start_func);

#endif
