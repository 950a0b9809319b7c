/* SPDX-License-Identifier: MIT */
/*
 * The guest-image bundle: a cpio "newc" archive (built by scripts/mkbundle.sh with Debian's
 * cpio) that the boot loader hands keel as its initrd. It holds scenario.dtb and the files the
 * scenario names (kernels, initramfs images, guest DTBs)..
 */
#ifndef KEEL_BUNDLE_H
#define KEEL_BUNDLE_H

#include <keel/types.h>

enum bundle_status {
    BUNDLE_OK = 0,
    BUNDLE_NOT_FOUND = 1, /* the archive is well formed but has no such file */
    BUNDLE_MALFORMED = 2, /* bad magic, a header or file running past the end, ... */
};

/* Find regular file `name` (e.g. "vm0-Image"; a leading "./" in the archive is ignored) in the newc
   archive [archive, archive+size). On BUNDLE_OK, *data and *len give its bytes inside the archive. */
enum bundle_status bundle_find(const void *archive, uint64_t size, const char *name,
                               const void **data, uint64_t *len);

#endif
