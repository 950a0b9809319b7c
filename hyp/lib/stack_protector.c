/* SPDX-License-Identifier: MIT */
/* Debian builds libfdt with -fstack-protector-strong: keel provides the guard and the handler. */
#include <keel/console.h>
#include <keel/platform.h>

uintptr_t __stack_chk_guard = 0x2f8e6d1b5a3c9047ull;
void __stack_chk_fail(void);

void __stack_chk_fail(void)
{
    kprintf("keel: PANIC: stack smashing detected in libfdt code\n");
    platform_fail(1);
}
