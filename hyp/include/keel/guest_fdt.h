/* SPDX-License-Identifier: MIT */
/* Finishing a guest's device tree at VM creation: the DTS under configs/ gives the virtual
   platform; keel fills in what only it knows. */
#ifndef KEEL_GUEST_FDT_H
#define KEEL_GUEST_FDT_H

#include <keel/types.h>

struct guest_fdt_params {
    gpa_t ram_gpa;
    uint64_t ram_size;        /* bytes: /memory reg */
    const char *bootargs;     /* /chosen bootargs; NULL keeps the DTS's */
    gpa_t initrd_start;       /* /chosen linux,initrd-start/end; both 0 = no initrd */
    gpa_t initrd_end;
    uint32_t nr_vcpus;        /* cpu nodes with reg >= nr_vcpus are deleted */
    const char *riscv_isa;    /* riscv,isa of every cpu node; NULL on Arm */
    uint32_t timebase_hz;     /* /cpus timebase-frequency; 0 keeps the DTS's */
    const uint8_t *rng_seed;  /* /chosen rng-seed bytes (entropy for the guest's RNG) ... */
    uint32_t rng_seed_len;    /* ... and their count; 0 = none */
};

/* Copy template DTB `tmpl` into buf[bufsize] and apply `p`; the result is packed. Returns 0, or
   -1 with a reason in err: template not a DTB, buf too small, no /memory or /cpus node. */
int guest_fdt_finish(void *buf, uint64_t bufsize, const void *tmpl, const struct guest_fdt_params *p,
                     char *err, size_t errlen);

/* The riscv,isa string a guest gets from the host's: without "h" (and "h..." extensions), without
   "_sstc" unless `sstc`, without "_svpbmt" unless `svpbmt`, and without extensions keel does not
   virtualise (AIA "_ssaia"/"_smaia"). out[outlen] is always NUL-terminated. */
void guest_riscv_isa(const char *host_isa, bool sstc, bool svpbmt, char *out, size_t outlen);

#endif
