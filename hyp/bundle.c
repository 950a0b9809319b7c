/* SPDX-License-Identifier: MIT */
/* cpio "newc" reader (the format of Linux initramfs, Documentation/driver-api/early-userspace). */
#include <keel/bundle.h>
#include <string.h>

#define NEWC_HEADER_SIZE 110
#define NEWC_MODE_TYPE 0170000u
#define NEWC_MODE_REG 0100000u

/* 8 hex digits at p; false on a non-hex digit */
static bool hex8(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        char c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return false;
        v = (v << 4) | d;
    }
    *out = v;
    return true;
}

static uint64_t align4(uint64_t v)
{
    return (v + 3) & ~3ull;
}

enum bundle_status bundle_find(const void *archive, uint64_t size, const char *name,
                               const void **data, uint64_t *len)
{
    const char *base = archive;
    uint64_t off = 0;
    size_t want = strlen(name);
    for (;;) {
        if (size - off < NEWC_HEADER_SIZE || off > size)
            return BUNDLE_MALFORMED;
        const char *h = base + off;
        if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6))
            return BUNDLE_MALFORMED;
        uint32_t mode, filesize, namesize;
        if (!hex8(h + 14, &mode) || !hex8(h + 54, &filesize) || !hex8(h + 94, &namesize) ||
            namesize == 0)
            return BUNDLE_MALFORMED;
        uint64_t name_off = off + NEWC_HEADER_SIZE;
        if (namesize > size - name_off)
            return BUNDLE_MALFORMED;
        const char *entry = base + name_off;
        if (entry[namesize - 1] != '\0')
            return BUNDLE_MALFORMED;
        uint64_t data_off = align4(name_off + namesize);
        if (data_off > size || filesize > size - data_off)
            return BUNDLE_MALFORMED;
        if (!strcmp(entry, "TRAILER!!!"))
            return BUNDLE_NOT_FOUND;
        const char *n = entry;
        if (n[0] == '.' && n[1] == '/')
            n += 2;
        if ((mode & NEWC_MODE_TYPE) == NEWC_MODE_REG && strlen(n) == want &&
            !memcmp(n, name, want)) {
            *data = base + data_off;
            *len = filesize;
            return BUNDLE_OK;
        }
        off = align4(data_off + filesize);
    }
}
