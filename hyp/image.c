/* SPDX-License-Identifier: MIT */
/* Kernel Image checks: RISC-V boot-image-header.rst, arm64 booting.rst, PE/COFF (EFI stub). */
#include <keel/console.h>
#include <keel/image.h>
#include <string.h>

static uint64_t le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* For an image with an EFI stub: the end of the last section's raw data in the file. */
static bool pe_raw_end(const uint8_t *img, uint64_t size, uint64_t *end)
{
    if (size < 0x40 || img[0] != 'M' || img[1] != 'Z')
        return false;
    uint64_t pe = le(img + 0x3c, 4);
    if (pe > size - 24) {
        *end = pe + 24; /* "MZ" and the PE header past the end: the file is cut short */
        return true;
    }
    if (memcmp(img + pe, "PE\0\0", 4))
        return false;
    uint64_t nsections = le(img + pe + 6, 2);
    uint64_t opt_size = le(img + pe + 20, 2);
    uint64_t sec = pe + 24 + opt_size;
    uint64_t max_end = 0;
    for (uint64_t i = 0; i < nsections; i++, sec += 40) {
        if (sec > size || size - sec < 40) {
            *end = sec + 40; /* the section table itself is cut off */
            return true;
        }
        uint64_t raw_size = le(img + sec + 16, 4);
        uint64_t raw_ptr = le(img + sec + 20, 4);
        if (raw_ptr + raw_size > max_end)
            max_end = raw_ptr + raw_size;
    }
    *end = max_end;
    return true;
}

int image_check_linux(const void *image, uint64_t size, enum image_arch arch,
                      struct image_info *info, char *err, size_t errlen)
{
    const uint8_t *img = image;
    if (size < 64) {
        ksnprintf(err, errlen, "only %lu bytes: too short for a kernel Image header", size);
        return -1;
    }
    if (arch == IMAGE_RISCV64 && memcmp(img + 0x38, "RSC\x05", 4)) {
        ksnprintf(err, errlen, "not a RISC-V Linux Image (no \"RSC\\x05\" magic at offset 0x38)");
        return -1;
    }
    if (arch == IMAGE_ARM64 && memcmp(img + 0x38, "ARM\x64", 4)) {
        ksnprintf(err, errlen, "not an arm64 Linux Image (no \"ARM\\x64\" magic at offset 0x38)");
        return -1;
    }
    info->text_offset = le(img + 8, 8);
    info->image_size = le(img + 16, 8);
    if (info->image_size == 0)
        info->image_size = size; /* old headers leave it 0 */
    if (info->text_offset >= (1ull << 30) || info->image_size < 64 ||
        info->image_size > (1ull << 32)) {
        ksnprintf(err, errlen, "Image header has implausible text_offset 0x%lx / image_size 0x%lx",
                  info->text_offset, info->image_size);
        return -1;
    }
    uint64_t raw_end;
    if (pe_raw_end(img, size, &raw_end) && raw_end > size) {
        ksnprintf(err, errlen, "truncated: the EFI header lists %lu bytes of sections, the file has %lu",
                  raw_end, size);
        return -1;
    }
    return 0;
}
