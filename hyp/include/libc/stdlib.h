/* SPDX-License-Identifier: MIT */
/* libfdt_env.h includes <stdlib.h>; keel has no heap: only strtoul (hyp/lib/string.c). */
#ifndef KEEL_LIBC_STDLIB_H
#define KEEL_LIBC_STDLIB_H
#include <stddef.h>
unsigned long strtoul(const char *s, char **end, int base);
#endif
