/* SPDX-License-Identifier: MIT */
/*
 * ktest: the tiny assertion harness of keel's host unit tests.
 *
 * A test file defines `static void test_xxx(void)` functions, lists them with KTEST_RUN in
 * main(), and returns ktest_summary(). Each failed check prints file:line and the values;
 * the summary prints "N passed, N failed" (the line CI reads) and the exit status is
 * non-zero when anything failed.
 */
#ifndef KEEL_KTEST_H
#define KEEL_KTEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned ktest_passed, ktest_failed;

#define KTEST_CHECK(cond)                                                                      \
    do {                                                                                       \
        if (cond) {                                                                            \
            ktest_passed++;                                                                    \
        } else {                                                                               \
            ktest_failed++;                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
        }                                                                                      \
    } while (0)

#define KTEST_EQ(actual, expected)                                                             \
    do {                                                                                       \
        uint64_t ktest_a_ = (uint64_t)(actual), ktest_e_ = (uint64_t)(expected);               \
        if (ktest_a_ == ktest_e_) {                                                            \
            ktest_passed++;                                                                    \
        } else {                                                                               \
            ktest_failed++;                                                                    \
            fprintf(stderr, "%s:%d: %s == 0x%" PRIx64 ", expected %s == 0x%" PRIx64 "\n",     \
                    __FILE__, __LINE__, #actual, ktest_a_, #expected, ktest_e_);               \
        }                                                                                      \
    } while (0)

#define KTEST_RUN(fn)                                                                          \
    do {                                                                                       \
        unsigned ktest_f0_ = ktest_failed;                                                     \
        fn();                                                                                  \
        printf("%s %s\n", ktest_failed == ktest_f0_ ? "ok    " : "FAILED", #fn);              \
    } while (0)

static inline int ktest_summary(void)
{
    printf("%u passed, %u failed\n", ktest_passed, ktest_failed);
    return ktest_failed ? 1 : 0;
}

#endif
