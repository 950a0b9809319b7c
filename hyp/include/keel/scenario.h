/* SPDX-License-Identifier: MIT */
/*
 * Scenarios: which VMs keel runs, read from the bundle's scenario.dtb (a DTS under configs/
 * compiled by dtc). Every property is documented in docs/configuration.md.
 */
#ifndef KEEL_SCENARIO_H
#define KEEL_SCENARIO_H

#include <keel/types.h>

#define SCENARIO_MAX_VMS 4
#define SCENARIO_MAX_VCPUS 8
#define SCENARIO_MAX_PASSTHROUGH 4 /* pass-through devices per VM */
#define SCENARIO_MAX_PT_IRQS 4     /* interrupts per pass-through device */

/* A host device given to one VM (a subnode of the VM node, compatible "keel,passthrough"; the
   node name is its name): its MMIO window mapped into the VM at `gpa`, its interrupts routed to
   the VM's interrupt controller. */
struct passthrough_config {
    char name[32];
    hpa_t hpa;                /* "reg" = <hpa-hi hpa-lo size-hi size-lo>: the host window */
    uint64_t size;            /* bytes, a multiple of 4 KiB */
    gpa_t gpa;                /* "gpa" = <gpa-hi gpa-lo>; without it the host address */
    uint32_t nr_irqs;         /* "interrupts" = <host guest>... pairs */
    uint32_t host_irq[SCENARIO_MAX_PT_IRQS];  /* PLIC source / GIC INTID on the host */
    uint32_t guest_irq[SCENARIO_MAX_PT_IRQS]; /* the same on the VM's virtual controller */
};

struct vm_config {
    char node[32];            /* DT node name, used in messages */
    char name[32];            /* the VM's name: its node name */
    gpa_t ram_gpa;            /* "memory" = <gpa-hi gpa-lo size-hi size-lo> */
    uint64_t ram_size;        /* bytes */
    uint32_t nr_vcpus;        /* "vcpus" */
    bool pinned;              /* "cpus" present */
    uint32_t pin[SCENARIO_MAX_VCPUS]; /* physical hart index of each vCPU */
    const char *kernel;       /* bundle file names */
    const char *initrd;       /* NULL when absent */
    const char *dtb;
    const char *bootargs;     /* NULL when absent: the guest DTB's own /chosen bootargs stay */
    int sstc;                 /* "riscv,sstc" = <0|1>; -1 when absent (use it if the host has it) */
    hpa_t ram_hpa;            /* "memory-hpa" = <hpa-hi hpa-lo>: host placement; 0 = keel chooses */
    int shmem;                /* "shmem" = "region": index into scenario.shmem, -1 = none */
    gpa_t shmem_gpa;          /* "shmem-gpa" = <gpa-hi gpa-lo>: where the region appears */
    uint32_t nr_passthrough;
    struct passthrough_config passthrough[SCENARIO_MAX_PASSTHROUGH];
};

#define SCENARIO_MAX_SHMEM 4

/* A shared-memory region (top-level node, compatible "keel,shmem", the node name is its name). */
struct shmem_config {
    char name[32];
    uint64_t size;            /* "size" = <size-hi size-lo>, bytes, a multiple of 4 KiB */
};

struct scenario {
    uint32_t nr_vms;
    struct vm_config vms[SCENARIO_MAX_VMS];
    uint32_t nr_shmem;
    struct shmem_config shmem[SCENARIO_MAX_SHMEM];
};

/* Parse and validate the scenario blob `fdt` for a machine with `nr_harts` harts. Errors (one
   line in err, naming the node and the property): not a keel scenario, unknown property, missing
   kernel/dtb/memory/vcpus, vcpus out of 1..SCENARIO_MAX_VCPUS, memory not 2 MiB aligned or empty,
   pinning to a hart that does not exist, host memory ("memory-hpa") that overlaps another VM's
   (naming both VMs), a shmem region that does not exist or whose GPA range overlaps the VM's
   RAM, a bad shmem size; a VM subnode that is not "keel,passthrough", a pass-through window that
   is empty, not 4 KiB aligned, or overlaps the VM's RAM, shmem or another pass-through window,
   interrupts that are not <host guest> pairs of non-zero numbers, a guest interrupt used twice
   in a VM, a host window or host interrupt given to two VMs (naming both). What depends on the
   machine (host RAM, keel's own devices, interrupt numbers the controllers have) is checked
   when the VM is created (vm.c). Strings point into `fdt`. Returns 0 or -1. */
int scenario_parse(const void *fdt, uint32_t nr_harts, struct scenario *out, char *err,
                   size_t errlen);

#endif
