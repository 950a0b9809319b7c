/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the cpio "newc" bundle reader (hyp/bundle.c). The archives are written here by a
 * tiny newc writer (the format of Linux's Documentation/driver-api/early-userspace/
 * buffer-format.rst: a 110-byte ASCII header, the NUL-terminated name, padding to 4 bytes, the
 * data, padding to 4 bytes; "TRAILER!!!" ends the archive). Every lookup runs on a heap copy of
 * exactly the archive's size, so ASan reports any read past its end.
 */
#include <keel/bundle.h>
#include <stdlib.h>

#include "ktest.h"

#define MODE_REG 0100644u
#define MODE_DIR 0040755u
#define MODE_LNK 0120777u

struct cpio {
    uint8_t buf[64 * 1024];
    size_t len;
};

static void append(struct cpio *c, const void *p, size_t n)
{
    if (!n)
        return;
    if (c->len + n > sizeof(c->buf)) {
        fprintf(stderr, "test archive too large\n");
        exit(2);
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
}

static void pad4(struct cpio *c)
{
    static const uint8_t zeros[4];
    append(c, zeros, (4 - c->len % 4) % 4);
}

/* The raw form: every header field given, the name written as `name_len` bytes (NUL included
   only if the caller counts it), no checks. */
static void put_raw(struct cpio *c, const char *magic, uint32_t mode, uint32_t filesize,
                    uint32_t namesize, const char *name, size_t name_len, const void *data,
                    size_t data_len)
{
    static uint32_t ino = 100;
    char hdr[111];
    snprintf(hdr, sizeof(hdr), "%.6s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic,
             ino++, mode, 0u, 0u, 1u, 0x65000000u, filesize, 0u, 0u, 0u, 0u, namesize, 0u);
    append(c, hdr, 110);
    append(c, name, name_len);
    pad4(c);
    append(c, data, data_len);
    pad4(c);
}

static void put(struct cpio *c, const char *name, uint32_t mode, const void *data, size_t len)
{
    put_raw(c, "070701", mode, (uint32_t)len, (uint32_t)strlen(name) + 1, name,
            strlen(name) + 1, data, len);
}

static void put_file(struct cpio *c, const char *name, const char *text)
{
    put(c, name, MODE_REG, text, strlen(text));
}

static void put_trailer(struct cpio *c)
{
    put(c, "TRAILER!!!", 0, NULL, 0);
}

/* Look `name` up in the first `len` bytes of c, on an exact-size heap copy. On BUNDLE_OK the
   data's offset in the archive and its length are returned. */
static enum bundle_status find_n(const struct cpio *c, size_t len, const char *name,
                                 size_t *off, uint64_t *dlen)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, c->buf, len);
    const void *data = (const void *)0x1;
    uint64_t n = 0xdead;
    enum bundle_status st = bundle_find(copy, len, name, &data, &n);
    if (st == BUNDLE_OK) {
        const uint8_t *d = data;
        KTEST_CHECK(d >= copy && d <= copy + len && n <= (uint64_t)(copy + len - d));
        if (off)
            *off = (size_t)(d - copy);
        if (dlen)
            *dlen = n;
    } else {
        KTEST_CHECK(data == (const void *)0x1 && n == 0xdead); /* untouched */
    }
    free(copy);
    return st;
}

static enum bundle_status find(const struct cpio *c, const char *name, size_t *off,
                               uint64_t *dlen)
{
    return find_n(c, c->len, name, off, dlen);
}

/* name must be found with exactly `text` as its contents */
static void expect_file(const struct cpio *c, const char *name, const void *text, size_t len)
{
    size_t off = 0;
    uint64_t n = 0;
    KTEST_EQ(find(c, name, &off, &n), BUNDLE_OK);
    KTEST_EQ(n, len);
    KTEST_CHECK(off + len <= c->len && !memcmp(c->buf + off, text, len));
    KTEST_EQ(off % 4, 0); /* data starts 4-byte aligned in a newc archive */
}

static struct cpio arc; /* scratch, too large for the stack */

static void test_found(void)
{
    arc.len = 0;
    put(&arc, ".", MODE_DIR, NULL, 0);
    put_file(&arc, "scenario.dtb", "SCENARIO");
    put_file(&arc, "vm0-Image", "kernel image bytes");
    put_file(&arc, "vm0.dtb", "dtb!");
    put_file(&arc, "initrd.cpio.gz", "");
    put_trailer(&arc);
    expect_file(&arc, "scenario.dtb", "SCENARIO", 8);
    expect_file(&arc, "vm0-Image", "kernel image bytes", 18);
    expect_file(&arc, "vm0.dtb", "dtb!", 4);
    expect_file(&arc, "initrd.cpio.gz", "", 0);
}

static void test_not_found(void)
{
    arc.len = 0;
    put_file(&arc, "vm0-Image", "k");
    put_file(&arc, "./vm0.dtb", "d");
    put_trailer(&arc);
    KTEST_EQ(find(&arc, "vm1-Image", NULL, NULL), BUNDLE_NOT_FOUND);
    KTEST_EQ(find(&arc, "vm0", NULL, NULL), BUNDLE_NOT_FOUND);        /* a prefix */
    KTEST_EQ(find(&arc, "vm0-Image2", NULL, NULL), BUNDLE_NOT_FOUND); /* longer */
    KTEST_EQ(find(&arc, "vm0-image", NULL, NULL), BUNDLE_NOT_FOUND);  /* case matters */
    KTEST_EQ(find(&arc, "Image", NULL, NULL), BUNDLE_NOT_FOUND);      /* a suffix */
    KTEST_EQ(find(&arc, "TRAILER!!!", NULL, NULL), BUNDLE_NOT_FOUND);
    KTEST_EQ(find(&arc, "", NULL, NULL), BUNDLE_NOT_FOUND);
    KTEST_EQ(find(&arc, "/vm0.dtb", NULL, NULL), BUNDLE_NOT_FOUND);
    /* an empty archive (just the trailer) */
    arc.len = 0;
    put_trailer(&arc);
    KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_NOT_FOUND);
    /* the trailer stops the walk: cpio pads archives to 512 bytes, and what follows is never
       looked at */
    arc.len = 0;
    put_trailer(&arc);
    put_file(&arc, "after-trailer", "x");
    static const uint8_t zeros[512];
    append(&arc, zeros, 300);
    KTEST_EQ(find(&arc, "after-trailer", NULL, NULL), BUNDLE_NOT_FOUND);
}

static void test_dot_slash(void)
{
    arc.len = 0;
    put(&arc, ".", MODE_DIR, NULL, 0);
    put_file(&arc, "./scenario.dtb", "S");
    put_file(&arc, "./vm0-Image", "kernel");
    put_file(&arc, ".hidden", "h");
    put_trailer(&arc);
    expect_file(&arc, "vm0-Image", "kernel", 6);
    expect_file(&arc, "scenario.dtb", "S", 1);
    expect_file(&arc, ".hidden", "h", 1); /* only a "./" prefix is stripped */
    KTEST_EQ(find(&arc, "hidden", NULL, NULL), BUNDLE_NOT_FOUND);
}

/* Every name length mod 4 against every data length mod 4 (and more), several files in a row. */
static void test_padding(void)
{
    static const char *const names[] = { "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg" };
    char data[16][16];
    for (size_t dl = 0; dl < 9; dl++) {
        arc.len = 0;
        for (size_t i = 0; i < KEEL_ARRAY_SIZE(names); i++) {
            size_t len = (dl + i) % 9;
            for (size_t j = 0; j < len; j++)
                data[i][j] = (char)('A' + (i * 7 + j) % 26);
            put(&arc, names[i], MODE_REG, data[i], len);
        }
        put_trailer(&arc);
        for (size_t i = 0; i < KEEL_ARRAY_SIZE(names); i++)
            expect_file(&arc, names[i], data[i], (dl + i) % 9);
    }
}

static void test_directories_skipped(void)
{
    /* a directory with the name asked for is not the file */
    arc.len = 0;
    put(&arc, "vm0-Image", MODE_DIR, NULL, 0);
    put_trailer(&arc);
    KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_NOT_FOUND);
    /* ... nor a symlink (its data is the target) */
    arc.len = 0;
    put(&arc, "vm0-Image", MODE_LNK, "real-Image", 10);
    put_trailer(&arc);
    KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_NOT_FOUND);
    /* the regular file after them is found */
    arc.len = 0;
    put(&arc, "./vm0-Image", MODE_DIR, NULL, 0);
    put(&arc, "vm0-Image", MODE_LNK, "real-Image", 10);
    put_file(&arc, "vm0-Image", "the kernel");
    put_trailer(&arc);
    expect_file(&arc, "vm0-Image", "the kernel", 10);
    /* a file inside a directory is found by its path */
    arc.len = 0;
    put(&arc, "guests", MODE_DIR, NULL, 0);
    put_file(&arc, "guests/vm0-Image", "nested");
    put_trailer(&arc);
    expect_file(&arc, "guests/vm0-Image", "nested", 6);
    KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_NOT_FOUND);
}

static void test_header_variants(void)
{
    /* "070702" (newc with checksums) is read the same way */
    arc.len = 0;
    put_raw(&arc, "070702", MODE_REG, 3, 4, "crc", 4, "abc", 3);
    put_trailer(&arc);
    expect_file(&arc, "crc", "abc", 3);
    /* lower-case hex digits */
    arc.len = 0;
    put_raw(&arc, "070701", MODE_REG, 3, 4, "low", 4, "xyz", 3);
    memcpy(arc.buf + 14, "000081a4", 8); /* mode, as cpio -H newc writes it */
    put_trailer(&arc);
    expect_file(&arc, "low", "xyz", 3);
}

/* A well-formed archive "first", "vm0-Image", trailer; `len` bytes at offset `field` of the
   second header ("vm0-Image") replaced by `value`. */
static void build_with_patch(size_t field, const char *value, size_t len)
{
    arc.len = 0;
    put_file(&arc, "first", "1111");
    size_t hdr = arc.len;
    KTEST_EQ(hdr, 120); /* 110 + "first\0" (already 4-aligned) + 4 bytes of data */
    put_file(&arc, "vm0-Image", "kernel");
    put_trailer(&arc);
    memcpy(arc.buf + hdr + field, value, len);
}

static void test_malformed_header(void)
{
    /* bad magic: old binary / odc cpio, garbage */
    static const char magics[][7] = { "070707", "070700", "07070X", "\0\0\0\0\0\0", "170701",
                                      "070701" /* control: intact */ };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(magics); i++) {
        build_with_patch(0, magics[i], 6);
        bool intact = !memcmp(magics[i], "070701", 6);
        KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), intact ? BUNDLE_OK : BUNDLE_MALFORMED);
        expect_file(&arc, "first", "1111", 4); /* entries before the damage are readable */
    }
    /* the very first header is bad */
    arc.len = 0;
    put_file(&arc, "vm0-Image", "kernel");
    put_trailer(&arc);
    memcpy(arc.buf, "070707", 6);
    KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_MALFORMED);

    /* non-hex digits in mode, filesize, namesize */
    static const size_t fields[] = { 14, 54, 94 };
    static const char *const junk[] = { "0000008G", "        ", "-0000001", "0x000010" };
    for (size_t f = 0; f < KEEL_ARRAY_SIZE(fields); f++)
        for (size_t j = 0; j < KEEL_ARRAY_SIZE(junk); j++) {
            build_with_patch(fields[f], junk[j], 8);
            KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_MALFORMED);
        }

    /* namesize 0 */
    arc.len = 0;
    put_raw(&arc, "070701", MODE_REG, 0, 0, "", 0, NULL, 0);
    put_trailer(&arc);
    KTEST_EQ(find(&arc, "x", NULL, NULL), BUNDLE_MALFORMED);
}

static void test_malformed_extent(void)
{
    /* the name is not NUL-terminated within namesize */
    arc.len = 0;
    put_raw(&arc, "070701", MODE_REG, 1, 9, "vm0-Image", 9, "k", 1);
    put_trailer(&arc);
    KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_MALFORMED);
    arc.len = 0;
    put_raw(&arc, "070701", MODE_REG, 1, 4, "vm0-Image", 10, "k", 1); /* namesize too small */
    put_trailer(&arc);
    KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_MALFORMED);

    /* the name runs past the end of the archive */
    static const uint32_t namesizes[] = { 0xffffffffu, 0x80000000u, 0x1000u, 30u };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(namesizes); i++) {
        arc.len = 0;
        put_raw(&arc, "070701", MODE_REG, 0, namesizes[i], "vm0-Image", 10, NULL, 0);
        KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_MALFORMED);
    }

    /* the data runs past the end of the archive */
    static const uint32_t filesizes[] = { 0xffffffffu, 0xfffffffcu, 0x80000000u, 0x10000u, 9u };
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(filesizes); i++) {
        arc.len = 0;
        put_raw(&arc, "070701", MODE_REG, filesizes[i], 10, "vm0-Image", 10, "kernel", 6);
        KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_MALFORMED);
        KTEST_EQ(find(&arc, "other", NULL, NULL), BUNDLE_MALFORMED);
    }
    /* ... by one byte, with the last entry exactly at the end of the buffer */
    arc.len = 0;
    put_raw(&arc, "070701", MODE_REG, 9, 10, "vm0-Image", 10, "kernel!!", 8);
    KTEST_EQ(find(&arc, "vm0-Image", NULL, NULL), BUNDLE_MALFORMED);
    /* the same entry with the right size and no trailer: found, but nothing else can be */
    arc.len = 0;
    put_raw(&arc, "070701", MODE_REG, 8, 10, "vm0-Image", 10, "kernel!!", 8);
    expect_file(&arc, "vm0-Image", "kernel!!", 8);
    KTEST_EQ(find(&arc, "other", NULL, NULL), BUNDLE_MALFORMED);

    /* too small for a header at all */
    arc.len = 0;
    KTEST_EQ(find(&arc, "x", NULL, NULL), BUNDLE_MALFORMED);
    append(&arc, "070701", 6);
    KTEST_EQ(find(&arc, "x", NULL, NULL), BUNDLE_MALFORMED);
}

/* Every truncation of a valid archive is MALFORMED (or finds a file wholly before the cut), and
   no prefix makes the reader read past its end (ASan). */
static void test_every_truncation(void)
{
    arc.len = 0;
    put(&arc, ".", MODE_DIR, NULL, 0);
    put_file(&arc, "scenario.dtb", "SCEN");
    put_file(&arc, "./vm0-Image", "kernel image, odd length");
    put_file(&arc, "vm0.dtb", "dt");
    put_trailer(&arc);
    size_t full = arc.len;
    size_t img_end = 0;
    {
        size_t off;
        uint64_t n;
        KTEST_EQ(find(&arc, "vm0-Image", &off, &n), BUNDLE_OK);
        img_end = off + n;
    }
    unsigned bad_results = 0;
    for (size_t len = 0; len < full; len++) {
        if (find_n(&arc, len, "missing", NULL, NULL) != BUNDLE_MALFORMED)
            bad_results++;
        enum bundle_status st = find_n(&arc, len, "vm0-Image", NULL, NULL);
        if (st != (len >= img_end ? BUNDLE_OK : BUNDLE_MALFORMED))
            bad_results++;
    }
    KTEST_EQ(bad_results, 0);
    KTEST_EQ(find_n(&arc, full, "missing", NULL, NULL), BUNDLE_NOT_FOUND);
}

int main(void)
{
    KTEST_RUN(test_found);
    KTEST_RUN(test_not_found);
    KTEST_RUN(test_dot_slash);
    KTEST_RUN(test_padding);
    KTEST_RUN(test_directories_skipped);
    KTEST_RUN(test_header_variants);
    KTEST_RUN(test_malformed_header);
    KTEST_RUN(test_malformed_extent);
    KTEST_RUN(test_every_truncation);
    return ktest_summary();
}
