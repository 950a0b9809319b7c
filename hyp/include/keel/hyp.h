/* SPDX-License-Identifier: MIT */
/* The ISA-neutral half of boot: after boot/<isa> has a console and struct platform. */
#ifndef KEEL_HYP_H
#define KEEL_HYP_H

#include <keel/types.h>

#define KEEL_VERSION "0.1"

/* Build the memory map, read the scenario from the image bundle, create the VMs, start the
   other harts and run the boot hart's scheduler. Stops the machine with a message naming the
   cause on any configuration error. `dtb`/`dtb_size`: the host DTB (kept out of guest RAM). */
void hyp_main(hpa_t dtb, uint64_t dtb_size) __attribute__((noreturn));

/* Per-ISA: start every other hart at its scheduler (RISC-V SBI HSM, Arm PSCI CPU_ON). */
void arch_start_secondaries(void);

/* Linker symbols: the image's extent in memory. */
extern char _start_image[], _end[];

#endif
