/* SPDX-License-Identifier: MIT */
/* Checks of guest kernel images before they are loaded (Linux Image headers, EFI stub size). */
#ifndef KEEL_IMAGE_H
#define KEEL_IMAGE_H

#include <keel/types.h>

enum image_arch { IMAGE_RISCV64, IMAGE_ARM64 };

struct image_info {
    uint64_t text_offset; /* bytes from a 2 MiB-aligned RAM base where it must be placed */
    uint64_t image_size;  /* bytes of memory it occupies once running (incl. BSS), >= file */
};

/* Validate a Linux-style kernel Image of `size` bytes for `arch`: header magic (RISC-V "RSC\x05"
   at 0x38 / arm64 "ARM\x64" at 0x38), sane text_offset/image_size, and - when the image carries
   an EFI stub (PE/COFF) - that the file holds every section the PE header lists (detects a
   truncated file). Returns 0 and *info, or -1 with a one-line reason in err. */
int image_check_linux(const void *img, uint64_t size, enum image_arch arch,
                      struct image_info *info, char *err, size_t errlen);

#endif
