/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the kernel Image checks (hyp/image.c): the Linux Image headers of RISC-V
 * (Documentation/arch/riscv/boot-image-header.rst) and arm64 (Documentation/arch/arm64/
 * booting.rst), and the PE/COFF section table of an EFI stub (a small fake PE built here).
 * Every check runs on a heap copy of exactly the image's size (ASan sees over-reads).
 */
#include <keel/image.h>
#include <stdlib.h>

#include "ktest.h"

#define MIB (1ull << 20)

static uint8_t img[64 * 1024];
static char err[256];
static struct image_info info;

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* RISC-V header: code0/code1, text_offset, image_size, flags, version, magic "RISCV\0\0\0",
   magic2 "RSC\x05", res3 (the PE header offset with an EFI stub). */
static void riscv_header(uint64_t text_offset, uint64_t image_size)
{
    memset(img, 0, sizeof(img));
    put_le(img + 0, 0x0000006f, 4); /* j . (a placeholder code0) */
    put_le(img + 8, text_offset, 8);
    put_le(img + 16, image_size, 8);
    put_le(img + 32, 0x2, 4);       /* header version 0.2 */
    memcpy(img + 0x30, "RISCV\0\0\0", 8);
    memcpy(img + 0x38, "RSC\x05", 4);
}

/* arm64 header: code0/code1, text_offset, image_size, flags, res2-4, magic "ARM\x64", res5. */
static void arm64_header(uint64_t text_offset, uint64_t image_size)
{
    memset(img, 0, sizeof(img));
    put_le(img + 0, 0x14000010, 4); /* b +0x40 */
    put_le(img + 8, text_offset, 8);
    put_le(img + 16, image_size, 8);
    put_le(img + 24, 0xa, 8);       /* flags: LE, 4K pages, anywhere */
    memcpy(img + 0x38, "ARM\x64", 4);
}

/* Make the image an EFI stub: "MZ", PE header at 0x40, `nsec` sections at the given raw
   (pointer, size) pairs, after an optional header of `opt` bytes. */
static void add_pe(uint16_t opt, unsigned nsec, const uint32_t (*sec)[2])
{
    img[0] = 'M';
    img[1] = 'Z';
    put_le(img + 0x3c, 0x40, 4);
    uint8_t *pe = img + 0x40;
    memcpy(pe, "PE\0\0", 4);
    put_le(pe + 4, 0x5064, 2); /* machine: RISCV64 (any value will do) */
    put_le(pe + 6, nsec, 2);
    put_le(pe + 20, opt, 2);
    put_le(pe + 22, 0x0206, 2);
    uint8_t *table = pe + 24 + opt;
    static const char *const names[] = { ".text", ".data", ".sbat", ".reloc" };
    for (unsigned i = 0; i < nsec; i++) {
        uint8_t *s = table + 40 * i;
        memcpy(s, names[i % 4], strlen(names[i % 4]));
        put_le(s + 8, sec[i][1], 4);   /* VirtualSize */
        put_le(s + 12, sec[i][0], 4);  /* VirtualAddress */
        put_le(s + 16, sec[i][1], 4);  /* SizeOfRawData */
        put_le(s + 20, sec[i][0], 4);  /* PointerToRawData */
    }
}

static int check(uint64_t size, enum image_arch arch)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, img, size);
    memset(err, 0, sizeof(err));
    memset(&info, 0x5a, sizeof(info));
    int rc = image_check_linux(copy, size, arch, &info, err, sizeof(err));
    free(copy);
    if (rc)
        KTEST_CHECK(err[0] != '\0' && !strchr(err, '\n'));
    return rc;
}

static bool has(const char *needle)
{
    bool ok = strstr(err, needle) != NULL;
    if (!ok)
        fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err, needle);
    return ok;
}

static void test_riscv_header(void)
{
    riscv_header(0x200000, 0x1400000);
    KTEST_EQ(check(4096, IMAGE_RISCV64), 0);
    KTEST_EQ(info.text_offset, 0x200000);
    KTEST_EQ(info.image_size, 0x1400000);
    KTEST_EQ(check(64, IMAGE_RISCV64), 0); /* the header alone is enough to read */
    /* not an arm64 Image */
    KTEST_EQ(check(4096, IMAGE_ARM64), -1);
    KTEST_CHECK(has("arm64"));
    /* one byte of magic2 wrong */
    img[0x3b] = 0x06;
    KTEST_EQ(check(4096, IMAGE_RISCV64), -1);
    KTEST_CHECK(has("RISC-V") && has("magic"));
    /* the deprecated "RISCV" magic alone is not enough */
    riscv_header(0x200000, 0x1400000);
    memset(img + 0x38, 0, 4);
    KTEST_EQ(check(4096, IMAGE_RISCV64), -1);
}

static void test_arm64_header(void)
{
    arm64_header(0, 0x2000000);
    KTEST_EQ(check(8192, IMAGE_ARM64), 0);
    KTEST_EQ(info.text_offset, 0);
    KTEST_EQ(info.image_size, 0x2000000);
    arm64_header(0x80000, 0x2000000); /* the pre-3.17 text_offset */
    KTEST_EQ(check(8192, IMAGE_ARM64), 0);
    KTEST_EQ(info.text_offset, 0x80000);
    KTEST_EQ(check(8192, IMAGE_RISCV64), -1);
    KTEST_CHECK(has("RISC-V"));
    img[0x38] = 'a';
    KTEST_EQ(check(8192, IMAGE_ARM64), -1);
    KTEST_CHECK(has("arm64"));
    /* garbage */
    memset(img, 0xff, 4096);
    KTEST_EQ(check(4096, IMAGE_ARM64), -1);
    KTEST_EQ(check(4096, IMAGE_RISCV64), -1);
}

static void test_too_short(void)
{
    riscv_header(0x200000, 0x1400000);
    for (uint64_t size = 0; size < 64; size++) {
        KTEST_EQ(check(size, IMAGE_RISCV64), -1);
        KTEST_CHECK(has("too short"));
    }
    arm64_header(0, 0x2000000);
    KTEST_EQ(check(63, IMAGE_ARM64), -1);
    KTEST_CHECK(has("63 bytes"));
}

static void test_implausible_fields(void)
{
    /* text_offset must be below 1 GiB */
    riscv_header(1ull << 30, 0x1400000);
    KTEST_EQ(check(4096, IMAGE_RISCV64), -1);
    KTEST_CHECK(has("implausible"));
    riscv_header(UINT64_MAX, 0x1400000);
    KTEST_EQ(check(4096, IMAGE_RISCV64), -1);
    riscv_header((1ull << 30) - 0x200000, 0x1400000);
    KTEST_EQ(check(4096, IMAGE_RISCV64), 0);
    /* image_size: at least the header, at most 4 GiB */
    arm64_header(0, 63);
    KTEST_EQ(check(4096, IMAGE_ARM64), -1);
    KTEST_CHECK(has("implausible"));
    arm64_header(0, (1ull << 32) + 1);
    KTEST_EQ(check(4096, IMAGE_ARM64), -1);
    arm64_header(0, UINT64_MAX);
    KTEST_EQ(check(4096, IMAGE_ARM64), -1);
    arm64_header(0, 1ull << 32);
    KTEST_EQ(check(4096, IMAGE_ARM64), 0);
    arm64_header(0, 64);
    KTEST_EQ(check(4096, IMAGE_ARM64), 0);
    /* image_size 0 (old headers): the file size stands in */
    arm64_header(0, 0);
    KTEST_EQ(check(4096, IMAGE_ARM64), 0);
    KTEST_EQ(info.image_size, 4096);
    riscv_header(0x200000, 0);
    KTEST_EQ(check(100, IMAGE_RISCV64), 0);
    KTEST_EQ(info.image_size, 100);
}

static const uint32_t sections[3][2] = { { 0x1000, 0x2000 }, { 0x3000, 0x800 }, { 0x400, 0x200 } };

static void test_pe_complete_and_truncated(void)
{
    for (int arch = 0; arch < 2; arch++) {
        enum image_arch a = arch ? IMAGE_ARM64 : IMAGE_RISCV64;
        if (arch)
            arm64_header(0, 0x2000000);
        else
            riscv_header(0x200000, 0x2000000);
        add_pe(0x70, 3, sections);
        /* the last section ends at 0x3800 (not the last in the table) */
        KTEST_EQ(check(0x3800, a), 0);
        KTEST_EQ(check(0x4000, a), 0);
        KTEST_EQ(check(0x37ff, a), -1);
        KTEST_CHECK(has("truncated") && has("14336")); /* 0x3800 */
        KTEST_EQ(check(0x2000, a), -1);
        KTEST_CHECK(has("truncated"));
        KTEST_EQ(check(0x400, a), -1);
    }
    /* no sections: nothing to check */
    riscv_header(0x200000, 0x2000000);
    add_pe(0x70, 0, sections);
    KTEST_EQ(check(0x200, IMAGE_RISCV64), 0);
    /* an "MZ" without a PE signature is not an EFI stub: no section check */
    riscv_header(0x200000, 0x2000000);
    add_pe(0x70, 3, sections);
    memcpy(img + 0x40, "NE\0\0", 4);
    KTEST_EQ(check(0x200, IMAGE_RISCV64), 0);
}

/* A file cut inside the PE headers themselves is truncated too (the header lists sections the
   file cannot hold), and the reader never looks past the end of the file (ASan). */
static void test_pe_cut_in_headers(void)
{
    riscv_header(0x200000, 0x2000000);
    add_pe(0x70, 3, sections);
    const uint64_t table_end = 0x40 + 24 + 0x70 + 3 * 40;
    for (uint64_t size = 64; size < table_end; size++) {
        KTEST_EQ(check(size, IMAGE_RISCV64), -1);
        KTEST_CHECK(has("truncated"));
    }
    /* a section table that claims 65535 sections */
    riscv_header(0x200000, 0x2000000);
    add_pe(0x70, 3, sections);
    put_le(img + 0x46, 0xffff, 2);
    KTEST_EQ(check(sizeof(img), IMAGE_RISCV64), -1);
    KTEST_CHECK(has("truncated"));
    /* a huge optional header pushes the table past the end */
    riscv_header(0x200000, 0x2000000);
    add_pe(0x70, 3, sections);
    put_le(img + 0x54, 0xffff, 2);
    KTEST_EQ(check(0x4000, IMAGE_RISCV64), -1);
    /* a PE offset beyond the file */
    riscv_header(0x200000, 0x2000000);
    add_pe(0x70, 3, sections);
    put_le(img + 0x3c, 0xfffffff0u, 4);
    KTEST_EQ(check(0x4000, IMAGE_RISCV64), -1);
    KTEST_CHECK(has("truncated"));
    put_le(img + 0x3c, 0x3ff0, 4);
    KTEST_EQ(check(0x4000, IMAGE_RISCV64), -1);
}

int main(void)
{
    KTEST_RUN(test_riscv_header);
    KTEST_RUN(test_arm64_header);
    KTEST_RUN(test_too_short);
    KTEST_RUN(test_implausible_fields);
    KTEST_RUN(test_pe_complete_and_truncated);
    KTEST_RUN(test_pe_cut_in_headers);
    return ktest_summary();
}
