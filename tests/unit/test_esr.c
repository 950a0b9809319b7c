/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of the AArch64 syndrome decoding (vcpu/aarch64/esr.c).
 *
 * ESR values are built from field values following the Arm ARM ESR_EL2 layout. The ISV=0
 * instruction decoder is checked against literal encodings produced by GNU as
 * (aarch64-linux-gnu-as -march=armv8.5-a+lse+rcpc+pauth, then aarch64-linux-gnu-objdump -d);
 * the assembly text sits next to each literal. The few unallocated encodings GNU as cannot
 * produce are derived by hand from a neighbouring literal, as their comments say.
 */
#include <stdbool.h>
#include <stdint.h>

#include "esr.h"
#include "ktest.h"

/* ---- syndrome builders ---- */

#define IL (1ull << 25)

static uint64_t make_esr(uint32_t ec, uint32_t iss)
{
    return ((uint64_t)ec << 26) | IL | iss;
}

struct dabt_fields {
    bool isv;
    uint32_t sas, srt;
    bool sse, sf, ar, fnv, ea, cm, s1ptw, wnr;
    uint32_t dfsc;
};

static uint64_t make_dabt(uint32_t ec, struct dabt_fields f)
{
    uint32_t iss = ((uint32_t)f.isv << 24) | (f.sas << 22) | ((uint32_t)f.sse << 21) |
                   (f.srt << 16) | ((uint32_t)f.sf << 15) | ((uint32_t)f.ar << 14) |
                   ((uint32_t)f.fnv << 10) | ((uint32_t)f.ea << 9) | ((uint32_t)f.cm << 8) |
                   ((uint32_t)f.s1ptw << 7) | ((uint32_t)f.wnr << 6) | f.dfsc;
    return make_esr(ec, iss);
}

static bool access_is_zero(const struct a64_mmio_access *a)
{
    return !a->is_write && a->width == 0 && a->reg == 0 && !a->sign_extend && !a->sixty_four &&
           !a->writeback && a->base_reg == 0 && a->offset == 0;
}

static bool access_equal(const struct a64_mmio_access *a, const struct a64_mmio_access *b)
{
    return a->is_write == b->is_write && a->width == b->width && a->reg == b->reg &&
           a->sign_extend == b->sign_extend && a->sixty_four == b->sixty_four &&
           a->writeback == b->writeback && a->base_reg == b->base_reg && a->offset == b->offset;
}

/* ---- exception classes ---- */

struct ec_case {
    uint32_t ec;
    const char *name;
    bool aarch32;
};

static const struct ec_case ec_cases[] = {
    { 0x00, "UNKNOWN", false },  { 0x01, "WFX", false },       { 0x03, "CP15_32", true },
    { 0x04, "CP15_64", true },   { 0x05, "CP14_MR", true },    { 0x06, "CP14_LS", true },
    { 0x07, "FP_ASIMD", false }, { 0x08, "CP10_ID", true },    { 0x0c, "CP14_64", true },
    { 0x0e, "ILLEGAL_STATE", false },                          { 0x11, "SVC32", true },
    { 0x12, "HVC32", true },     { 0x13, "SMC32", true },      { 0x15, "SVC64", false },
    { 0x16, "HVC64", false },    { 0x17, "SMC64", false },     { 0x18, "SYS64", false },
    { 0x19, "SVE", false },      { 0x20, "IABT_LOW", false },  { 0x21, "IABT_CUR", false },
    { 0x22, "PC_ALIGN", false }, { 0x24, "DABT_LOW", false },  { 0x25, "DABT_CUR", false },
    { 0x26, "SP_ALIGN", false }, { 0x28, "FP_EXC32", true },   { 0x2c, "FP_EXC64", false },
    { 0x2f, "SERROR", false },   { 0x38, "BKPT32", true },     { 0x3a, "VECTOR32", true },
    { 0x3c, "BRK64", false },
};

static void test_ec_constants(void)
{
    KTEST_EQ(ESR_EC_UNKNOWN, 0x00);
    KTEST_EQ(ESR_EC_WFX, 0x01);
    KTEST_EQ(ESR_EC_FP_ASIMD, 0x07);
    KTEST_EQ(ESR_EC_HVC64, 0x16);
    KTEST_EQ(ESR_EC_SMC64, 0x17);
    KTEST_EQ(ESR_EC_SYS64, 0x18);
    KTEST_EQ(ESR_EC_IABT_LOW, 0x20);
    KTEST_EQ(ESR_EC_IABT_CUR, 0x21);
    KTEST_EQ(ESR_EC_DABT_LOW, 0x24);
    KTEST_EQ(ESR_EC_DABT_CUR, 0x25);
}

static void test_ec_decode(void)
{
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(ec_cases); i++) {
        const struct ec_case *c = &ec_cases[i];
        /* ISS2 (bits 36:32) and the ISS must not leak into EC */
        uint64_t esr = make_esr(c->ec, 0x1ffffff) | (0x1full << 32);
        KTEST_EQ(esr_ec(esr), c->ec);
        KTEST_CHECK(esr_il(esr));
        KTEST_EQ(esr_insn_len(esr), 4);
        KTEST_EQ(esr_iss(esr), 0x1ffffff);
        KTEST_CHECK(strcmp(esr_ec_name(c->ec), c->name) == 0);
        KTEST_EQ(esr_ec_is_aarch32(c->ec), c->aarch32);
    }
    KTEST_CHECK(strcmp(esr_ec_name(0x02), "?") == 0); /* unallocated */
    KTEST_CHECK(strcmp(esr_ec_name(0x3f), "?") == 0);
    KTEST_CHECK(!esr_ec_is_aarch32(0x02));
    /* IL = 0: a 16-bit T32 instruction */
    uint64_t esr = (uint64_t)ESR_EC_UNKNOWN << 26;
    KTEST_CHECK(!esr_il(esr));
    KTEST_EQ(esr_insn_len(esr), 2);
}

static void test_hvc_smc_wfx(void)
{
    /* hvc #0 as trapped from a guest: 0x5a000000; hvc #0x1234; smc #0: 0x5e000000 */
    KTEST_EQ(esr_ec(0x5a000000), ESR_EC_HVC64);
    KTEST_EQ(esr_hvc_imm16(0x5a000000), 0);
    KTEST_EQ(esr_hvc_imm16(0x5a001234), 0x1234);
    KTEST_EQ(esr_hvc_imm16(0x5a00ffff), 0xffff);
    KTEST_EQ(esr_ec(0x5e000000), ESR_EC_SMC64);
    KTEST_EQ(esr_hvc_imm16(0x5e00abcd), 0xabcd);
    /* WFI 0x06000000, WFE 0x06000001, WFIT, WFET */
    KTEST_EQ(esr_ec(0x06000000), ESR_EC_WFX);
    KTEST_EQ(esr_wfx_ti(0x06000000), ESR_WFX_WFI);
    KTEST_EQ(esr_wfx_ti(0x06000001), ESR_WFX_WFE);
    KTEST_EQ(esr_wfx_ti(0x06000002), ESR_WFX_WFIT);
    KTEST_EQ(esr_wfx_ti(0x06000003), ESR_WFX_WFET);
    KTEST_EQ(esr_wfx_ti(0x060003e4), ESR_WFX_WFI); /* RV, RN bits set: TI still 0 */
}

static void test_sysreg(void)
{
    /* mrs x3, cntpct_el0: op0 3, op1 3, CRn 14, CRm 0, op2 1, read */
    uint32_t iss = (3u << 20) | (1u << 17) | (3u << 14) | (14u << 10) | (3u << 5) | (0u << 1) | 1;
    uint64_t esr = make_esr(ESR_EC_SYS64, iss);
    KTEST_EQ(esr, 0x6232f861);
    KTEST_EQ(esr_ec(esr), ESR_EC_SYS64);
    KTEST_EQ(esr_sys_op0(esr), 3);
    KTEST_EQ(esr_sys_op1(esr), 3);
    KTEST_EQ(esr_sys_crn(esr), 14);
    KTEST_EQ(esr_sys_crm(esr), 0);
    KTEST_EQ(esr_sys_op2(esr), 1);
    KTEST_EQ(esr_sys_rt(esr), 3);
    KTEST_CHECK(esr_sys_is_read(esr));
    KTEST_EQ(esr_sys_id(esr), ESR_SYS_ID(3, 3, 14, 0, 1));

    /* msr sctlr_el1, x5: op0 3, op1 0, CRn 1, CRm 0, op2 0, write */
    esr = make_esr(ESR_EC_SYS64, (3u << 20) | (1u << 10) | (5u << 5));
    KTEST_EQ(esr, 0x623004a0);
    KTEST_CHECK(!esr_sys_is_read(esr));
    KTEST_EQ(esr_sys_rt(esr), 5);
    KTEST_EQ(esr_sys_id(esr), ESR_SYS_ID(3, 0, 1, 0, 0));
    KTEST_CHECK(esr_sys_id(esr) != ESR_SYS_ID(3, 0, 1, 0, 1));

    /* every field at its maximum, one at a time: no field bleeds into another */
    esr = make_esr(ESR_EC_SYS64, ESR_SYS_ID(3, 7, 15, 15, 7) | (31u << 5) | 1);
    KTEST_EQ(esr_sys_op0(esr), 3);
    KTEST_EQ(esr_sys_op1(esr), 7);
    KTEST_EQ(esr_sys_crn(esr), 15);
    KTEST_EQ(esr_sys_crm(esr), 15);
    KTEST_EQ(esr_sys_op2(esr), 7);
    KTEST_EQ(esr_sys_rt(esr), 31);
    KTEST_EQ(esr_sys_id(esr), ESR_SYS_ID(3, 7, 15, 15, 7));
    KTEST_EQ(esr_sys_op2(make_esr(ESR_EC_SYS64, ESR_SYS_ID(0, 0, 0, 0, 5))), 5);
    KTEST_EQ(esr_sys_op1(make_esr(ESR_EC_SYS64, ESR_SYS_ID(0, 6, 0, 0, 0))), 6);
    KTEST_EQ(esr_sys_crm(make_esr(ESR_EC_SYS64, ESR_SYS_ID(0, 0, 0, 9, 0))), 9);
    KTEST_EQ(esr_sys_op0(make_esr(ESR_EC_SYS64, ESR_SYS_ID(2, 0, 0, 0, 0))), 2);
}

/* ---- data abort syndrome ---- */

static void test_dabt_fields(void)
{
    /* the example of joyxu/aarch64-esr-decoder: 0x96000050 = DABT_CUR, IL, WnR, DFSC 0x10 */
    uint64_t esr = 0x96000050;
    KTEST_EQ(esr_ec(esr), ESR_EC_DABT_CUR);
    KTEST_CHECK(esr_il(esr));
    KTEST_CHECK(!esr_dabt_isv(esr));
    KTEST_CHECK(esr_dabt_wnr(esr));
    KTEST_EQ(esr_dabt_dfsc(esr), ESR_FSC_EXTABT);

    struct dabt_fields f = { .isv = true, .sas = 2, .srt = 7, .ar = true, .fnv = true,
                             .ea = true, .cm = true, .s1ptw = true, .dfsc = 0x2f };
    esr = make_dabt(ESR_EC_DABT_LOW, f);
    KTEST_CHECK(esr_dabt_isv(esr));
    KTEST_EQ(esr_dabt_sas(esr), 2);
    KTEST_EQ(esr_dabt_srt(esr), 7);
    KTEST_CHECK(!esr_dabt_sse(esr));
    KTEST_CHECK(!esr_dabt_sf(esr));
    KTEST_CHECK(esr_dabt_ar(esr));
    KTEST_CHECK(esr_dabt_fnv(esr));
    KTEST_CHECK(esr_dabt_ea(esr));
    KTEST_CHECK(esr_dabt_cm(esr));
    KTEST_CHECK(esr_dabt_s1ptw(esr));
    KTEST_CHECK(!esr_dabt_wnr(esr));
    KTEST_EQ(esr_dabt_dfsc(esr), 0x2f);
    /* each single-bit field alone */
    KTEST_CHECK(esr_dabt_ar(make_dabt(ESR_EC_DABT_LOW, (struct dabt_fields){ .ar = true })));
    KTEST_CHECK(!esr_dabt_sf(make_dabt(ESR_EC_DABT_LOW, (struct dabt_fields){ .ar = true })));
    KTEST_CHECK(esr_dabt_fnv(make_dabt(ESR_EC_DABT_LOW, (struct dabt_fields){ .fnv = true })));
    KTEST_CHECK(!esr_dabt_ea(make_dabt(ESR_EC_DABT_LOW, (struct dabt_fields){ .fnv = true })));
    KTEST_CHECK(esr_dabt_ea(make_dabt(ESR_EC_DABT_LOW, (struct dabt_fields){ .ea = true })));
    KTEST_CHECK(!esr_dabt_cm(make_dabt(ESR_EC_DABT_LOW, (struct dabt_fields){ .ea = true })));
    KTEST_CHECK(esr_dabt_s1ptw(make_dabt(ESR_EC_DABT_LOW, (struct dabt_fields){ .s1ptw = true })));
    KTEST_CHECK(!esr_dabt_wnr(make_dabt(ESR_EC_DABT_LOW, (struct dabt_fields){ .s1ptw = true })));
    /* translation fault level 3 of an instruction abort */
    KTEST_EQ(esr_iabt_ifsc(make_esr(ESR_EC_IABT_LOW, 0x07)), 0x07);
    KTEST_EQ(esr_iabt_ifsc(make_esr(ESR_EC_IABT_LOW, 0x07)) & ESR_FSC_TYPE_MASK,
             ESR_FSC_TRANSLATION);
    KTEST_EQ(0x0fu & ESR_FSC_TYPE_MASK, ESR_FSC_PERMISSION);
}

/* Every SAS x SSE x SF x WnR x SRT combination of an ISV=1 syndrome. */
static void test_dabt_isv_all_combinations(void)
{
    for (uint32_t sas = 0; sas < 4; sas++)
        for (uint32_t sse = 0; sse < 2; sse++)
            for (uint32_t sf = 0; sf < 2; sf++)
                for (uint32_t wnr = 0; wnr < 2; wnr++)
                    for (uint32_t srt = 0; srt < 32; srt++) {
                        struct dabt_fields f = { .isv = true, .sas = sas, .sse = sse != 0,
                                                 .sf = sf != 0, .wnr = wnr != 0, .srt = srt,
                                                 .dfsc = 0x06 };
                        uint64_t esr = make_dabt(ESR_EC_DABT_LOW, f);
                        struct a64_mmio_access acc;
                        enum a64_decode_status st = esr_dabt_to_mmio(esr, &acc);
                        if (sas == 3 && !sf) { /* 8 bytes into a W register: impossible */
                            KTEST_EQ(st, A64_DECODE_UNSUPPORTED);
                            KTEST_CHECK(access_is_zero(&acc));
                            continue;
                        }
                        KTEST_EQ(st, A64_DECODE_OK);
                        KTEST_EQ(acc.is_write, wnr);
                        KTEST_EQ(acc.width, 1u << sas);
                        KTEST_EQ(acc.reg, srt);
                        KTEST_EQ(acc.sign_extend, sse && !wnr);
                        KTEST_EQ(acc.sixty_four, sf);
                        KTEST_CHECK(!acc.writeback && acc.base_reg == 0 && acc.offset == 0);
                        KTEST_EQ(esr_dabt_sas(esr), sas);
                        KTEST_EQ(esr_dabt_sse(esr), sse);
                        KTEST_EQ(esr_dabt_sf(esr), sf);
                        KTEST_EQ(esr_dabt_wnr(esr), wnr);
                        KTEST_EQ(esr_dabt_srt(esr), srt);
                    }
}

static void test_dabt_isv_refused(void)
{
    struct a64_mmio_access acc;
    struct dabt_fields ok = { .isv = true, .sas = 2, .srt = 1, .dfsc = 0x07 };
    KTEST_EQ(esr_dabt_to_mmio(make_dabt(ESR_EC_DABT_LOW, ok), &acc), A64_DECODE_OK);
    /* AR, FnV, EA do not change the access */
    struct dabt_fields f = ok;
    f.ar = f.fnv = f.ea = true;
    KTEST_EQ(esr_dabt_to_mmio(make_dabt(ESR_EC_DABT_LOW, f), &acc), A64_DECODE_OK);
    KTEST_EQ(acc.width, 4);
    KTEST_EQ(acc.reg, 1);

    f = ok;
    f.isv = false;
    KTEST_EQ(esr_dabt_to_mmio(make_dabt(ESR_EC_DABT_LOW, f), &acc), A64_DECODE_UNSUPPORTED);
    KTEST_CHECK(access_is_zero(&acc));
    f = ok;
    f.s1ptw = true;
    KTEST_EQ(esr_dabt_to_mmio(make_dabt(ESR_EC_DABT_LOW, f), &acc), A64_DECODE_UNSUPPORTED);
    KTEST_CHECK(access_is_zero(&acc));
    f = ok;
    f.cm = true;
    f.wnr = true;
    KTEST_EQ(esr_dabt_to_mmio(make_dabt(ESR_EC_DABT_LOW, f), &acc), A64_DECODE_UNSUPPORTED);
    /* not a lower-EL data abort */
    KTEST_EQ(esr_dabt_to_mmio(make_dabt(ESR_EC_DABT_CUR, ok), &acc), A64_DECODE_UNSUPPORTED);
    KTEST_EQ(esr_dabt_to_mmio(make_dabt(ESR_EC_IABT_LOW, ok), &acc), A64_DECODE_UNSUPPORTED);
    KTEST_EQ(esr_dabt_to_mmio(make_dabt(ESR_EC_HVC64, ok), &acc), A64_DECODE_UNSUPPORTED);
    KTEST_CHECK(access_is_zero(&acc));
}

/* ---- ISV=0: A64 instruction decoding ---- */

enum { LD = 0, ST = 1 };

struct insn_case {
    uint32_t insn;
    const char *text;   /* GNU as source of the literal */
    int dir;            /* LD or ST */
    uint8_t width, reg;
    bool sign_extend, sixty_four, writeback;
    uint8_t base_reg;
    int16_t offset;
};

static const struct insn_case insn_ok[] = {
    /* load/store register (unsigned immediate) */
    { 0x39400c41, "ldrb w1, [x2, #3]", LD, 1, 1, false, false, false, 0, 0 },
    { 0x79400c83, "ldrh w3, [x4, #6]", LD, 2, 3, false, false, false, 0, 0 },
    { 0xb9400cc5, "ldr w5, [x6, #12]", LD, 4, 5, false, false, false, 0, 0 },
    { 0xf9400907, "ldr x7, [x8, #16]", LD, 8, 7, false, true, false, 0, 0 },
    { 0x39000549, "strb w9, [x10, #1]", ST, 1, 9, false, false, false, 0, 0 },
    { 0x7900058b, "strh w11, [x12, #2]", ST, 2, 11, false, false, false, 0, 0 },
    { 0xb90005cd, "str w13, [x14, #4]", ST, 4, 13, false, false, false, 0, 0 },
    { 0xf900060f, "str x15, [x16, #8]", ST, 8, 15, false, true, false, 0, 0 },
    { 0x39801651, "ldrsb x17, [x18, #5]", LD, 1, 17, true, true, false, 0, 0 },
    { 0x39c01693, "ldrsb w19, [x20, #5]", LD, 1, 19, true, false, false, 0, 0 },
    { 0x798016d5, "ldrsh x21, [x22, #10]", LD, 2, 21, true, true, false, 0, 0 },
    { 0x79c01717, "ldrsh w23, [x24, #10]", LD, 2, 23, true, false, false, 0, 0 },
    { 0xb9801759, "ldrsw x25, [x26, #20]", LD, 4, 25, true, true, false, 0, 0 },
    { 0xf900001f, "str xzr, [x0]", ST, 8, 31, false, true, false, 0, 0 },
    { 0xb90007ff, "str wzr, [sp, #4]", ST, 4, 31, false, false, false, 0, 0 },
    { 0xf94003fe, "ldr x30, [sp]", LD, 8, 30, false, true, false, 0, 0 },
    { 0xf97ffc20, "ldr x0, [x1, #32760]", LD, 8, 0, false, true, false, 0, 0 },
    { 0x397ffc41, "ldrb w1, [x2, #4095]", LD, 1, 1, false, false, false, 0, 0 },
    { 0x797ffc41, "ldrh w1, [x2, #8190]", LD, 2, 1, false, false, false, 0, 0 },
    { 0xb97ffc41, "ldr w1, [x2, #16380]", LD, 4, 1, false, false, false, 0, 0 },
    { 0xb9bffc41, "ldrsw x1, [x2, #16380]", LD, 4, 1, true, true, false, 0, 0 },
    { 0xf9400000, "ldr x0, [x0]", LD, 8, 0, false, true, false, 0, 0 },
    /* load/store register (unscaled immediate) */
    { 0x385ff041, "ldurb w1, [x2, #-1]", LD, 1, 1, false, false, false, 0, 0 },
    { 0x785fe083, "ldurh w3, [x4, #-2]", LD, 2, 3, false, false, false, 0, 0 },
    { 0xb85fd0c5, "ldur w5, [x6, #-3]", LD, 4, 5, false, false, false, 0, 0 },
    { 0xf84ff107, "ldur x7, [x8, #255]", LD, 8, 7, false, true, false, 0, 0 },
    { 0x38100149, "sturb w9, [x10, #-256]", ST, 1, 9, false, false, false, 0, 0 },
    { 0x7800718b, "sturh w11, [x12, #7]", ST, 2, 11, false, false, false, 0, 0 },
    { 0xb81fc1cd, "stur w13, [x14, #-4]", ST, 4, 13, false, false, false, 0, 0 },
    { 0xf81f820f, "stur x15, [x16, #-8]", ST, 8, 15, false, true, false, 0, 0 },
    { 0x389ff251, "ldursb x17, [x18, #-1]", LD, 1, 17, true, true, false, 0, 0 },
    { 0x38c01293, "ldursb w19, [x20, #1]", LD, 1, 19, true, false, false, 0, 0 },
    { 0x789fe2d5, "ldursh x21, [x22, #-2]", LD, 2, 21, true, true, false, 0, 0 },
    { 0x78c02317, "ldursh w23, [x24, #2]", LD, 2, 23, true, false, false, 0, 0 },
    { 0xb89fc359, "ldursw x25, [x26, #-4]", LD, 4, 25, true, true, false, 0, 0 },
    /* load/store register (immediate post-indexed) */
    { 0x38401441, "ldrb w1, [x2], #1", LD, 1, 1, false, false, true, 2, 1 },
    { 0x785fe483, "ldrh w3, [x4], #-2", LD, 2, 3, false, false, true, 4, -2 },
    { 0xb84044c5, "ldr w5, [x6], #4", LD, 4, 5, false, false, true, 6, 4 },
    { 0xf8500507, "ldr x7, [x8], #-256", LD, 8, 7, false, true, true, 8, -256 },
    { 0x380ff549, "strb w9, [x10], #255", ST, 1, 9, false, false, true, 10, 255 },
    { 0x7800258b, "strh w11, [x12], #2", ST, 2, 11, false, false, true, 12, 2 },
    { 0xb81fc5cd, "str w13, [x14], #-4", ST, 4, 13, false, false, true, 14, -4 },
    { 0xf80107ef, "str x15, [sp], #16", ST, 8, 15, false, true, true, 31, 16 },
    { 0x38801651, "ldrsb x17, [x18], #1", LD, 1, 17, true, true, true, 18, 1 },
    { 0x38c01693, "ldrsb w19, [x20], #1", LD, 1, 19, true, false, true, 20, 1 },
    { 0x788026d5, "ldrsh x21, [x22], #2", LD, 2, 21, true, true, true, 22, 2 },
    { 0x78c02717, "ldrsh w23, [x24], #2", LD, 2, 23, true, false, true, 24, 2 },
    { 0xb8804759, "ldrsw x25, [x26], #4", LD, 4, 25, true, true, true, 26, 4 },
    { 0xf80107ff, "str xzr, [sp], #16", ST, 8, 31, false, true, true, 31, 16 },
    /* load/store register (immediate pre-indexed) */
    { 0x38401c41, "ldrb w1, [x2, #1]!", LD, 1, 1, false, false, true, 2, 1 },
    { 0xf85f8d07, "ldr x7, [x8, #-8]!", LD, 8, 7, false, true, true, 8, -8 },
    { 0xf81f0fef, "str x15, [sp, #-16]!", ST, 8, 15, false, true, true, 31, -16 },
    { 0x780fed8b, "strh w11, [x12, #254]!", ST, 2, 11, false, false, true, 12, 254 },
    { 0xb8900f59, "ldrsw x25, [x26, #-256]!", LD, 4, 25, true, true, true, 26, -256 },
    { 0x78c02f17, "ldrsh w23, [x24, #2]!", LD, 2, 23, true, false, true, 24, 2 },
    /* load/store register (register offset) */
    { 0x38636841, "ldrb w1, [x2, x3]", LD, 1, 1, false, false, false, 0, 0 },
    { 0x38634841, "ldrb w1, [x2, w3, uxtw]", LD, 1, 1, false, false, false, 0, 0 },
    { 0x78657883, "ldrh w3, [x4, x5, lsl #1]", LD, 2, 3, false, false, false, 0, 0 },
    { 0xb867d8c5, "ldr w5, [x6, w7, sxtw #2]", LD, 4, 5, false, false, false, 0, 0 },
    { 0xf8697907, "ldr x7, [x8, x9, lsl #3]", LD, 8, 7, false, true, false, 0, 0 },
    { 0xf831ea0f, "str x15, [x16, x17, sxtx]", ST, 8, 15, false, true, false, 0, 0 },
    { 0x382b6949, "strb w9, [x10, x11]", ST, 1, 9, false, false, false, 0, 0 },
    { 0x782d598b, "strh w11, [x12, w13, uxtw #1]", ST, 2, 11, false, false, false, 0, 0 },
    { 0xb82f79cd, "str w13, [x14, x15, lsl #2]", ST, 4, 13, false, false, false, 0, 0 },
    { 0x38b36a51, "ldrsb x17, [x18, x19]", LD, 1, 17, true, true, false, 0, 0 },
    { 0x38f56a93, "ldrsb w19, [x20, x21]", LD, 1, 19, true, false, false, 0, 0 },
    { 0x78b77ad5, "ldrsh x21, [x22, x23, lsl #1]", LD, 2, 21, true, true, false, 0, 0 },
    { 0x78f96b17, "ldrsh w23, [x24, x25]", LD, 2, 23, true, false, false, 0, 0 },
    { 0xb8bb7b59, "ldrsw x25, [x26, x27, lsl #2]", LD, 4, 25, true, true, false, 0, 0 },
    { 0xb8646863, "ldr w3, [x3, x4]", LD, 4, 3, false, false, false, 0, 0 },
    /* load/store register (unprivileged) */
    { 0xf8408841, "ldtr x1, [x2, #8]", LD, 8, 1, false, true, false, 0, 0 },
    { 0x38000883, "sttrb w3, [x4]", ST, 1, 3, false, false, false, 0, 0 },
    { 0x78dfe8c5, "ldtrsh w5, [x6, #-2]", LD, 2, 5, true, false, false, 0, 0 },
};

static const struct {
    uint32_t insn;
    const char *text;
} insn_unsupported[] = {
    { 0xa9400861, "ldp x1, x2, [x3]" },
    { 0x29010861, "stp w1, w2, [x3, #8]" },
    { 0xa8c10861, "ldp x1, x2, [x3], #16" },
    { 0xa9bf7bfd, "stp x29, x30, [sp, #-16]!" },
    { 0x69400861, "ldpsw x1, x2, [x3]" },
    { 0xa8000861, "stnp x1, x2, [x3]" },
    { 0x3dc00020, "ldr q0, [x1]" },
    { 0xfd400441, "ldr d1, [x2, #8]" },
    { 0xbc004462, "str s2, [x3], #4" },
    { 0x3c5ff083, "ldur b3, [x4, #-1]" },
    { 0x7c2668a4, "str h4, [x5, x6]" },
    { 0x4c407020, "ld1 {v0.16b}, [x1]" },
    { 0xc85f7c41, "ldxr x1, [x2]" },
    { 0xc8037ca4, "stxr w3, x4, [x5]" },
    { 0x885ffc41, "ldaxr w1, [x2]" },
    { 0xc8dffc41, "ldar x1, [x2]" },
    { 0x889ffc41, "stlr w1, [x2]" },
    { 0xf8bfc041, "ldapr x1, [x2]" },
    { 0x99401041, "ldapur w1, [x2, #1]" },
    { 0xd91f8041, "stlur x1, [x2, #-8]" },
    { 0xf8210062, "ldadd x1, x2, [x3]" },
    { 0xb8218062, "swp w1, w2, [x3]" },
    { 0xc8a17c62, "cas x1, x2, [x3]" },
    { 0xf8200441, "ldraa x1, [x2]" },
    { 0xf9800020, "prfm pldl1keep, [x1]" },
    { 0xf89ff020, "prfum pldl1keep, [x1, #-1]" },
    { 0xf8a26820, "prfm pldl1keep, [x1, x2]" },
    { 0x58000001, "ldr x1, . (literal)" },
    { 0x18000001, "ldr w1, . (literal)" },
    { 0x98000001, "ldrsw x1, . (literal)" },
    { 0x8b030041, "add x1, x2, x3" },
    { 0xd503201f, "nop" },
    { 0x00000000, "udf #0" },
    /* writeback with Rt == Rn: GNU as warns "unpredictable transfer with writeback" */
    { 0xf8408421, "ldr x1, [x1], #8" },
    { 0xb81fcc42, "str w2, [x2, #-4]!" },
    /* unallocated, by hand from the literal above them */
    { 0xb9c00c41, "ldr w1,[x2,#12] with opc=11 (size 10 opc 11: unallocated)" },
    { 0xf9c00041, "ldr x1,[x2] with opc=11 (size 11 opc 11: unallocated)" },
    { 0xf8800441, "post-index size 11 opc 10 (unallocated, PRFM has no writeback)" },
    { 0xf8800841, "unprivileged size 11 opc 10 (unallocated)" },
    { 0x38630841, "ldrb w1,[x2,x3] with option=000 (unallocated)" },
    { 0x38638841, "ldrb w1,[x2,x3] with option=100 (unallocated)" },
};

static void test_insn_supported(void)
{
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(insn_ok); i++) {
        const struct insn_case *c = &insn_ok[i];
        struct a64_mmio_access acc;
        enum a64_decode_status st = a64_decode_mmio_insn(c->insn, &acc);
        if (st != A64_DECODE_OK)
            fprintf(stderr, "  not decoded: %08x %s\n", c->insn, c->text);
        KTEST_EQ(st, A64_DECODE_OK);
        bool ok = acc.is_write == (c->dir == ST) && acc.width == c->width && acc.reg == c->reg &&
                  acc.sign_extend == c->sign_extend && acc.sixty_four == c->sixty_four &&
                  acc.writeback == c->writeback && acc.base_reg == c->base_reg &&
                  acc.offset == c->offset;
        if (!ok)
            fprintf(stderr,
                    "  %08x %s: write %d width %u reg %u sext %d sf %d wb %d base %u off %d\n",
                    c->insn, c->text, acc.is_write, acc.width, acc.reg, acc.sign_extend,
                    acc.sixty_four, acc.writeback, acc.base_reg, acc.offset);
        KTEST_CHECK(ok);
    }
}

static void test_insn_unsupported(void)
{
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(insn_unsupported); i++) {
        struct a64_mmio_access acc = { .width = 8, .reg = 5, .writeback = true };
        enum a64_decode_status st = a64_decode_mmio_insn(insn_unsupported[i].insn, &acc);
        if (st != A64_DECODE_UNSUPPORTED)
            fprintf(stderr, "  decoded: %08x %s\n", insn_unsupported[i].insn,
                    insn_unsupported[i].text);
        KTEST_EQ(st, A64_DECODE_UNSUPPORTED);
        KTEST_CHECK(access_is_zero(&acc));
    }
}

/* The SIMD&FP bit (26) turns every supported integer form into an unsupported one. */
static void test_insn_v_bit(void)
{
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(insn_ok); i++) {
        struct a64_mmio_access acc;
        KTEST_EQ(a64_decode_mmio_insn(insn_ok[i].insn | (1u << 26), &acc),
                 A64_DECODE_UNSUPPORTED);
    }
}

/* Decoding an instruction agrees with the syndrome the hardware would report for it when it
   has no writeback (ISV=1: SAS = log2 width, SSE, SRT, SF, WnR). */
static void test_insn_matches_syndrome(void)
{
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(insn_ok); i++) {
        const struct insn_case *c = &insn_ok[i];
        if (c->writeback)
            continue;
        uint32_t sas = c->width == 1 ? 0 : c->width == 2 ? 1 : c->width == 4 ? 2 : 3;
        struct dabt_fields f = { .isv = true, .sas = sas, .sse = c->sign_extend,
                                 .srt = c->reg, .sf = c->sixty_four, .wnr = c->dir == ST,
                                 .dfsc = 0x07 };
        struct a64_mmio_access from_esr, from_insn;
        KTEST_EQ(esr_dabt_to_mmio(make_dabt(ESR_EC_DABT_LOW, f), &from_esr), A64_DECODE_OK);
        KTEST_EQ(a64_decode_mmio_insn(c->insn, &from_insn), A64_DECODE_OK);
        KTEST_CHECK(access_equal(&from_esr, &from_insn));
    }
}

/* esr_dabt_from_access: the syndrome of every access the decoders can describe reads back as
   that access, and carries nothing else. */
static void test_dabt_from_access(void)
{
    for (uint8_t width = 1; width <= 8; width *= 2)
        for (uint32_t reg = 0; reg < 32; reg++)
            for (unsigned kind = 0; kind < 3; kind++) /* store, load, sign-extending load */
                for (unsigned sf = 0; sf < 2; sf++) {
                    if ((width == 8 && !sf) || (kind == 2 && width == 8))
                        continue; /* no instruction: 8 bytes into W, LDRS of 8 bytes */
                    struct a64_mmio_access acc = { .is_write = kind == 0, .width = width,
                                                   .reg = (uint8_t)reg,
                                                   .sign_extend = kind == 2,
                                                   .sixty_four = sf != 0 };
                    uint64_t esr = esr_dabt_from_access(&acc);
                    KTEST_EQ(esr_ec(esr), ESR_EC_DABT_LOW);
                    KTEST_CHECK(esr_il(esr) && esr_dabt_isv(esr));
                    KTEST_CHECK(!esr_dabt_cm(esr) && !esr_dabt_s1ptw(esr) && !esr_dabt_ar(esr));
                    KTEST_EQ(esr_dabt_dfsc(esr), 0);
                    KTEST_EQ(esr >> 32, 0);
                    struct a64_mmio_access back;
                    KTEST_EQ(esr_dabt_to_mmio(esr, &back), A64_DECODE_OK);
                    KTEST_CHECK(access_equal(&back, &acc));
                }
    /* a decoded instruction goes through unchanged: LDRSH w3, [x4] (0x79c00083) */
    struct a64_mmio_access insn, back;
    KTEST_EQ(a64_decode_mmio_insn(0x79c00083, &insn), A64_DECODE_OK);
    KTEST_EQ(esr_dabt_to_mmio(esr_dabt_from_access(&insn), &back), A64_DECODE_OK);
    KTEST_CHECK(access_equal(&back, &insn));
    KTEST_EQ(back.width, 2);
    KTEST_CHECK(back.sign_extend && !back.sixty_four && back.reg == 3);
}

/* ---- value extension ---- */

static struct a64_mmio_access load(uint8_t width, bool sign_extend, bool sixty_four)
{
    return (struct a64_mmio_access){ .width = width, .sign_extend = sign_extend,
                                     .sixty_four = sixty_four };
}

/* a64_load_extend() as the access `acc` describes it. */
static uint64_t extend(const struct a64_mmio_access *acc, uint64_t value)
{
    return a64_load_extend(value, acc->width, acc->sign_extend, acc->sixty_four);
}

static void test_extend(void)
{
    struct a64_mmio_access a;
    /* LDRB / LDRH / LDR W / LDR X: zero-extend, garbage above the width dropped */
    a = load(1, false, false);
    KTEST_EQ(extend(&a, 0xdeadbeefcafe12ffull), 0xff);
    a = load(2, false, false);
    KTEST_EQ(extend(&a, 0xdeadbeefcafe8001ull), 0x8001);
    a = load(4, false, false);
    KTEST_EQ(extend(&a, 0xdeadbeefcafebabeull), 0xcafebabe);
    a = load(8, false, true);
    KTEST_EQ(extend(&a, 0xdeadbeefcafebabeull), 0xdeadbeefcafebabeull);
    /* LDRSB Xt / Wt */
    a = load(1, true, true);
    KTEST_EQ(extend(&a, 0x80), 0xffffffffffffff80ull);
    KTEST_EQ(extend(&a, 0x7f), 0x7f);
    KTEST_EQ(extend(&a, 0x12345680), 0xffffffffffffff80ull);
    a = load(1, true, false);
    KTEST_EQ(extend(&a, 0x80), 0xffffff80);
    KTEST_EQ(extend(&a, 0xffffff7f), 0x7f);
    /* LDRSH Xt / Wt */
    a = load(2, true, true);
    KTEST_EQ(extend(&a, 0x8000), 0xffffffffffff8000ull);
    KTEST_EQ(extend(&a, 0x17fff), 0x7fff);
    a = load(2, true, false);
    KTEST_EQ(extend(&a, 0xabcd8000), 0xffff8000);
    /* LDRSW Xt */
    a = load(4, true, true);
    KTEST_EQ(extend(&a, 0x80000000), 0xffffffff80000000ull);
    KTEST_EQ(extend(&a, 0xffffffff7fffffffull), 0x7fffffff);
    /* a sign-extending word load into W (SSE=1, SF=0) equals a plain one */
    a = load(4, true, false);
    KTEST_EQ(extend(&a, 0x80000000), 0x80000000);
    /* store data: the register truncated to the width */
    struct a64_mmio_access st = { .is_write = true, .width = 2 };
    KTEST_EQ(extend(&st, 0x12345678), 0x5678);
    st.width = 4;
    st.sixty_four = false;
    KTEST_EQ(extend(&st, 0xffffffff87654321ull), 0x87654321);
    st.width = 8;
    st.sixty_four = true;
    KTEST_EQ(extend(&st, 0xffffffff87654321ull), 0xffffffff87654321ull);
}

/* Every width, signedness and register size against the Arm ARM's rule spelled out bit by bit
   (take the low width bytes, copy bit 8*width-1 upwards when sign-extending, clear bits 63:32
   for a W register), for values with both signs and garbage above the width. */
static void test_extend_all(void)
{
    static const uint64_t values[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                       0x7fffffff, 0x80000000, 0xffffffff,
                                       0x8000000000000000ull, UINT64_MAX,
                                       0xdeadbeefcafebabeull, 0x0123456789abcdefull };
    for (uint8_t width = 1; width <= 8; width *= 2)
        for (unsigned sign = 0; sign < 2; sign++)
            for (unsigned sf = 0; sf < 2; sf++)
                for (size_t i = 0; i < KEEL_ARRAY_SIZE(values); i++) {
                    struct a64_mmio_access a = load(width, sign, sf);
                    uint64_t want = 0;
                    for (unsigned bit = 0; bit < 64; bit++) {
                        unsigned from = bit < 8u * width ? bit : (sign ? 8u * width - 1 : 64);
                        if (from < 64 && (values[i] >> from) & 1)
                            want |= 1ull << bit;
                    }
                    if (!sf)
                        want &= 0xffffffffull;
                    KTEST_EQ(extend(&a, values[i]), want);
                }
}

/* ---- injected syndromes ---- */

/* SPSR_EL2.M values */
enum { M_EL0T = 0x0, M_EL1T = 0x4, M_EL1H = 0x5, M_A32_USR = 0x10, M_A32_SVC = 0x13,
       M_A32_SYS = 0x1f };
#define SPSR_DAIF (0xfull << 6)

static void test_inject(void)
{
    KTEST_EQ(esr_el1_undef(), 0x02000000);
    KTEST_EQ(esr_ec(esr_el1_undef()), ESR_EC_UNKNOWN);
    KTEST_CHECK(esr_il(esr_el1_undef()));

    /* from EL1: "same EL" classes. 0x96000050 is the decoder example above. */
    KTEST_EQ(esr_el1_data_abort(M_EL1H | SPSR_DAIF, true), 0x96000050);
    KTEST_EQ(esr_el1_data_abort(M_EL1H, false), 0x96000010);
    KTEST_EQ(esr_el1_data_abort(M_EL1T, false), 0x96000010);
    KTEST_EQ(esr_el1_insn_abort(M_EL1H), 0x86000010);
    KTEST_EQ(esr_el1_insn_abort(M_EL1T | SPSR_DAIF), 0x86000010);
    /* from EL0 (and AArch32, as KVM does): "lower EL" classes */
    KTEST_EQ(esr_el1_data_abort(M_EL0T, true), 0x92000050);
    KTEST_EQ(esr_el1_data_abort(M_EL0T, false), 0x92000010);
    KTEST_EQ(esr_el1_data_abort(M_A32_USR, false), 0x92000010);
    KTEST_EQ(esr_el1_data_abort(M_A32_SVC, true), 0x92000050);
    KTEST_EQ(esr_el1_insn_abort(M_EL0T), 0x82000010);
    KTEST_EQ(esr_el1_insn_abort(M_A32_SVC), 0x82000010);
    KTEST_EQ(esr_el1_data_abort(M_A32_SYS, false), 0x92000010); /* M[3:2] != 0 in AArch32 */
    KTEST_EQ(esr_el1_insn_abort(M_A32_SYS), 0x82000010);

    /* read back through the accessors */
    uint64_t esr = esr_el1_data_abort(M_EL1H, true);
    KTEST_EQ(esr_ec(esr), ESR_EC_DABT_CUR);
    KTEST_CHECK(esr_il(esr));
    KTEST_CHECK(!esr_dabt_isv(esr));
    KTEST_CHECK(esr_dabt_wnr(esr));
    KTEST_CHECK(!esr_dabt_s1ptw(esr) && !esr_dabt_cm(esr) && !esr_dabt_fnv(esr));
    KTEST_EQ(esr_dabt_dfsc(esr), ESR_FSC_EXTABT);
    esr = esr_el1_insn_abort(M_EL0T);
    KTEST_EQ(esr_ec(esr), ESR_EC_IABT_LOW);
    KTEST_EQ(esr_iabt_ifsc(esr), ESR_FSC_EXTABT);
}

int main(void)
{
    KTEST_RUN(test_ec_constants);
    KTEST_RUN(test_ec_decode);
    KTEST_RUN(test_hvc_smc_wfx);
    KTEST_RUN(test_sysreg);
    KTEST_RUN(test_dabt_fields);
    KTEST_RUN(test_dabt_isv_all_combinations);
    KTEST_RUN(test_dabt_isv_refused);
    KTEST_RUN(test_insn_supported);
    KTEST_RUN(test_insn_unsupported);
    KTEST_RUN(test_insn_v_bit);
    KTEST_RUN(test_insn_matches_syndrome);
    KTEST_RUN(test_dabt_from_access);
    KTEST_RUN(test_extend);
    KTEST_RUN(test_extend_all);
    KTEST_RUN(test_inject);
    return ktest_summary();
}
