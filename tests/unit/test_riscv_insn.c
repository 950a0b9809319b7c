/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of the RISC-V MMIO load/store decoder (vcpu/riscv64/insn.c).
 *
 * Encodings are built from field values by the small encoders below (one per instruction
 * format, following the Unprivileged ISA). Transformed htinst values are built from those
 * with the rules of the Privileged spec ("Transformed Instruction or Pseudoinstruction for
 * mtinst or htinst"): keep opcode/funct3/rd (loads) or opcode/funct3/rs2 (stores), zero the
 * immediates, put the Addr. Offset in bits 19:15; for a compressed original, transform its
 * 32-bit expansion and clear bit 1. A set of literal encodings produced by GNU as
 * (riscv64-linux-gnu-as -march=rv64gc, objdump -d -M no-aliases) cross-checks the encoders.
 */
#include <stdbool.h>
#include <stdint.h>

#include "insn.h"
#include "ktest.h"

/* ---- encoders ---- */

enum {
    OP_LOAD = 0x03,
    OP_LOAD_FP = 0x07,
    OP_OP_IMM = 0x13,
    OP_STORE = 0x23,
    OP_STORE_FP = 0x27,
    OP_AMO = 0x2f,
    OP_SYSTEM = 0x73,
};

enum { F3_B = 0, F3_H = 1, F3_W = 2, F3_D = 3, F3_BU = 4, F3_HU = 5, F3_WU = 6 };

static uint32_t bits(uint32_t value, unsigned hi, unsigned lo)
{
    return (value >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* I-type: imm[11:0] rs1 funct3 rd opcode */
static uint32_t enc_i(uint32_t opcode, uint32_t funct3, uint32_t rd, uint32_t rs1, int32_t imm)
{
    return (bits((uint32_t)imm, 11, 0) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode;
}

/* S-type: imm[11:5] rs2 rs1 funct3 imm[4:0] opcode */
static uint32_t enc_s(uint32_t opcode, uint32_t funct3, uint32_t rs2, uint32_t rs1, int32_t imm)
{
    return (bits((uint32_t)imm, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) |
           (bits((uint32_t)imm, 4, 0) << 7) | opcode;
}

static uint32_t enc_load(uint32_t funct3, uint32_t rd, uint32_t rs1, int32_t imm)
{
    return enc_i(OP_LOAD, funct3, rd, rs1, imm);
}

static uint32_t enc_store(uint32_t funct3, uint32_t rs2, uint32_t rs1, int32_t imm)
{
    return enc_s(OP_STORE, funct3, rs2, rs1, imm);
}

/* R-type atomic: funct5 aq rl rs2 rs1 funct3 rd opcode (funct3 2 = .W, 3 = .D) */
static uint32_t enc_amo(uint32_t funct5, uint32_t aqrl, uint32_t funct3, uint32_t rd, uint32_t rs1,
                        uint32_t rs2)
{
    return (funct5 << 27) | (aqrl << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) |
           OP_AMO;
}

enum { AMO_ADD = 0x00, AMO_SWAP = 0x01, AMO_LR = 0x02, AMO_SC = 0x03, AMO_OR = 0x08 };

/* Compressed register x8..x15 -> 3-bit field. */
static uint32_t creg(uint32_t x)
{
    return x - 8;
}

/* CL/CS word: funct3 uimm[5:3] rs1' uimm[2|6] rd'/rs2' op=00 */
static uint16_t enc_cl_w(uint32_t funct3, uint32_t reg, uint32_t rs1, uint32_t uimm)
{
    return (uint16_t)((funct3 << 13) | (bits(uimm, 5, 3) << 10) | (creg(rs1) << 7) |
                      (bits(uimm, 2, 2) << 6) | (bits(uimm, 6, 6) << 5) | (creg(reg) << 2));
}

/* CL/CS double: funct3 uimm[5:3] rs1' uimm[7:6] rd'/rs2' op=00 */
static uint16_t enc_cl_d(uint32_t funct3, uint32_t reg, uint32_t rs1, uint32_t uimm)
{
    return (uint16_t)((funct3 << 13) | (bits(uimm, 5, 3) << 10) | (creg(rs1) << 7) |
                      (bits(uimm, 7, 6) << 5) | (creg(reg) << 2));
}

static uint16_t enc_c_lw(uint32_t rd, uint32_t rs1, uint32_t uimm)
{
    return enc_cl_w(2, rd, rs1, uimm);
}

static uint16_t enc_c_ld(uint32_t rd, uint32_t rs1, uint32_t uimm)
{
    return enc_cl_d(3, rd, rs1, uimm);
}

static uint16_t enc_c_sw(uint32_t rs2, uint32_t rs1, uint32_t uimm)
{
    return enc_cl_w(6, rs2, rs1, uimm);
}

static uint16_t enc_c_sd(uint32_t rs2, uint32_t rs1, uint32_t uimm)
{
    return enc_cl_d(7, rs2, rs1, uimm);
}

static uint16_t enc_c_fld(uint32_t frd, uint32_t rs1, uint32_t uimm)
{
    return enc_cl_d(1, frd, rs1, uimm);
}

static uint16_t enc_c_fsd(uint32_t frs2, uint32_t rs1, uint32_t uimm)
{
    return enc_cl_d(5, frs2, rs1, uimm);
}

/* C.LWSP: 010 uimm[5] rd uimm[4:2|7:6] 10 */
static uint16_t enc_c_lwsp(uint32_t rd, uint32_t uimm)
{
    return (uint16_t)((2u << 13) | (bits(uimm, 5, 5) << 12) | (rd << 7) | (bits(uimm, 4, 2) << 4) |
                      (bits(uimm, 7, 6) << 2) | 2u);
}

/* C.LDSP / C.FLDSP: funct3 uimm[5] rd uimm[4:3|8:6] 10 */
static uint16_t enc_ci_dsp(uint32_t funct3, uint32_t rd, uint32_t uimm)
{
    return (uint16_t)((funct3 << 13) | (bits(uimm, 5, 5) << 12) | (rd << 7) |
                      (bits(uimm, 4, 3) << 5) | (bits(uimm, 8, 6) << 2) | 2u);
}

static uint16_t enc_c_ldsp(uint32_t rd, uint32_t uimm)
{
    return enc_ci_dsp(3, rd, uimm);
}

static uint16_t enc_c_fldsp(uint32_t frd, uint32_t uimm)
{
    return enc_ci_dsp(1, frd, uimm);
}

/* C.SWSP: 110 uimm[5:2|7:6] rs2 10 */
static uint16_t enc_c_swsp(uint32_t rs2, uint32_t uimm)
{
    return (uint16_t)((6u << 13) | (bits(uimm, 5, 2) << 9) | (bits(uimm, 7, 6) << 7) | (rs2 << 2) |
                      2u);
}

/* C.SDSP / C.FSDSP: funct3 uimm[5:3|8:6] rs2 10 */
static uint16_t enc_css_dsp(uint32_t funct3, uint32_t rs2, uint32_t uimm)
{
    return (uint16_t)((funct3 << 13) | (bits(uimm, 5, 3) << 10) | (bits(uimm, 8, 6) << 7) |
                      (rs2 << 2) | 2u);
}

static uint16_t enc_c_sdsp(uint32_t rs2, uint32_t uimm)
{
    return enc_css_dsp(7, rs2, uimm);
}

static uint16_t enc_c_fsdsp(uint32_t frs2, uint32_t uimm)
{
    return enc_css_dsp(5, frs2, uimm);
}

/* Zcb CLB/CSB/CLH/CSH: 100 sub[2:0] rs1' bit6 bit5 rd'/rs2' 00 */
static uint16_t enc_zcb(uint32_t sub, uint32_t bit6, uint32_t bit5, uint32_t reg, uint32_t rs1)
{
    return (uint16_t)((4u << 13) | (sub << 10) | (creg(rs1) << 7) | (bit6 << 6) | (bit5 << 5) |
                      (creg(reg) << 2));
}

/* c.lbu / c.sb: uimm[0] in bit 6, uimm[1] in bit 5 */
static uint16_t enc_c_lbu(uint32_t rd, uint32_t rs1, uint32_t uimm)
{
    return enc_zcb(0, bits(uimm, 0, 0), bits(uimm, 1, 1), rd, rs1);
}

static uint16_t enc_c_lhu(uint32_t rd, uint32_t rs1, uint32_t uimm)
{
    return enc_zcb(1, 0, bits(uimm, 1, 1), rd, rs1);
}

static uint16_t enc_c_lh(uint32_t rd, uint32_t rs1, uint32_t uimm)
{
    return enc_zcb(1, 1, bits(uimm, 1, 1), rd, rs1);
}

static uint16_t enc_c_sb(uint32_t rs2, uint32_t rs1, uint32_t uimm)
{
    return enc_zcb(2, bits(uimm, 0, 0), bits(uimm, 1, 1), rs2, rs1);
}

static uint16_t enc_c_sh(uint32_t rs2, uint32_t rs1, uint32_t uimm)
{
    return enc_zcb(3, 0, bits(uimm, 1, 1), rs2, rs1);
}

/* ---- htinst transformations (Privileged spec, H extension) ---- */

/* Loads (and FP loads): keep funct3, rd, opcode; Addr. Offset in bits 19:15; imm zero. */
static uint32_t transform_load(uint32_t insn, uint32_t addr_offset)
{
    return (insn & 0x00007fffu) | (addr_offset << 15);
}

/* Stores (and FP stores): keep rs2, funct3, opcode; Addr. Offset in bits 19:15; imm zero. */
static uint32_t transform_store(uint32_t insn, uint32_t addr_offset)
{
    return (insn & 0x01f0707fu) | (addr_offset << 15);
}

/* Atomics and HLV/HSV: everything kept except rs1, replaced by the Addr. Offset. */
static uint32_t transform_rs1(uint32_t insn, uint32_t addr_offset)
{
    return (insn & ~(0x1fu << 15)) | (addr_offset << 15);
}

/* Compressed original: transform the 32-bit expansion, then replace bit 1 with 0. */
static uint32_t compressed_htinst(uint32_t transformed_expansion)
{
    return transformed_expansion & ~0x2u;
}

/* ---- checking helpers ---- */

static struct riscv_mmio_insn want_access(bool is_store, unsigned width, unsigned reg, bool sign,
                                          unsigned len)
{
    struct riscv_mmio_insn w = { .is_store = is_store,
                                 .width = (uint8_t)width,
                                 .reg = (uint8_t)reg,
                                 .sign_extend = sign,
                                 .insn_len = (uint8_t)len };
    return w;
}

static void expect_fields(const char *what, uint64_t encoding, enum riscv_decode_status st,
                          const struct riscv_mmio_insn *got, const struct riscv_mmio_insn *want)
{
    unsigned before = ktest_failed;

    KTEST_EQ(st, RISCV_DECODE_OK);
    KTEST_EQ(got->is_store, want->is_store);
    KTEST_EQ(got->width, want->width);
    KTEST_EQ(got->reg, want->reg);
    KTEST_EQ(got->sign_extend, want->sign_extend);
    KTEST_EQ(got->insn_len, want->insn_len);
    if (ktest_failed != before)
        fprintf(stderr, "  ... decoding %s 0x%08" PRIx64 "\n", what, encoding);
}

static bool insn_is_zero(const struct riscv_mmio_insn *insn)
{
    return !insn->is_store && insn->width == 0 && insn->reg == 0 && !insn->sign_extend &&
           insn->insn_len == 0;
}

/* Raw instruction decodes to want. */
static void expect_raw(const char *what, uint32_t insn, struct riscv_mmio_insn want)
{
    struct riscv_mmio_insn got;

    memset(&got, 0xa5, sizeof(got));
    expect_fields(what, insn, riscv_decode_mmio_insn(insn, &got), &got, &want);
}

/* htinst value decodes to want and is classified as transformed, not pseudo. */
static void expect_htinst(const char *what, uint64_t htinst, struct riscv_mmio_insn want)
{
    struct riscv_mmio_insn got;

    memset(&got, 0xa5, sizeof(got));
    expect_fields(what, htinst, riscv_decode_htinst(htinst, &got), &got, &want);
    KTEST_CHECK(riscv_htinst_is_transformed(htinst));
    KTEST_CHECK(!riscv_htinst_is_pseudoinsn(htinst));
}

static void expect_raw_unsupported(const char *what, uint32_t insn)
{
    struct riscv_mmio_insn got;
    enum riscv_decode_status st;
    unsigned before = ktest_failed;

    memset(&got, 0xa5, sizeof(got));
    st = riscv_decode_mmio_insn(insn, &got);
    KTEST_EQ(st, RISCV_DECODE_UNSUPPORTED);
    KTEST_CHECK(insn_is_zero(&got));
    if (ktest_failed != before)
        fprintf(stderr, "  ... raw %s 0x%08" PRIx32 " should be unsupported\n", what, insn);
}

static void expect_htinst_unsupported(const char *what, uint64_t htinst)
{
    struct riscv_mmio_insn got;
    enum riscv_decode_status st;
    unsigned before = ktest_failed;

    memset(&got, 0xa5, sizeof(got));
    st = riscv_decode_htinst(htinst, &got);
    KTEST_EQ(st, RISCV_DECODE_UNSUPPORTED);
    KTEST_CHECK(insn_is_zero(&got));
    KTEST_CHECK(!riscv_htinst_is_transformed(htinst));
    if (ktest_failed != before)
        fprintf(stderr, "  ... htinst %s 0x%016" PRIx64 " should be unsupported\n", what, htinst);
}

/* ---- tables ---- */

struct load_kind {
    const char *name;
    uint32_t funct3;
    unsigned width;
    bool sign;
};

static const struct load_kind loads[] = {
    { "lb", F3_B, 1, true },   { "lh", F3_H, 2, true },   { "lw", F3_W, 4, true },
    { "ld", F3_D, 8, false },  { "lbu", F3_BU, 1, false }, { "lhu", F3_HU, 2, false },
    { "lwu", F3_WU, 4, false },
};

struct store_kind {
    const char *name;
    uint32_t funct3;
    unsigned width;
};

static const struct store_kind stores[] = {
    { "sb", F3_B, 1 }, { "sh", F3_H, 2 }, { "sw", F3_W, 4 }, { "sd", F3_D, 8 },
};

static const int32_t imms[] = { 0, 1, -1, 8, 2047, -2048, 0x555, -0x556 };

/* ---- tests ---- */

static void test_insn_length(void)
{
    KTEST_EQ(riscv_insn_length(0x0000), 2);  /* illegal, still 16-bit */
    KTEST_EQ(riscv_insn_length(0x43c8), 2);  /* c.lw a0,4(a5) */
    KTEST_EQ(riscv_insn_length(0x0001), 2);  /* c.nop */
    KTEST_EQ(riscv_insn_length(0x50fe), 2);  /* c.lwsp ra,252(sp) */
    KTEST_EQ(riscv_insn_length(0x8503), 4);  /* low parcel of lb a0,-1(a1) */
    KTEST_EQ(riscv_insn_length(0x0013), 4);  /* nop */
    KTEST_EQ(riscv_insn_length(0x0017), 4);  /* auipc: bits 4:2 = 101 */
    KTEST_EQ(riscv_insn_length(0x001b), 4);  /* OP-IMM-32: bits 4:2 = 110 */
    KTEST_EQ(riscv_insn_length(0x001f), 0);  /* 48-bit */
    KTEST_EQ(riscv_insn_length(0x003f), 0);  /* 64-bit */
    KTEST_EQ(riscv_insn_length(0x007f), 0);  /* >= 80-bit */
    KTEST_EQ(riscv_insn_length(0xffff), 0);
}

/* Every RV64I load, every destination register (x0 included), several rs1/imm values. */
static void test_loads(void)
{
    for (size_t k = 0; k < KEEL_ARRAY_SIZE(loads); k++) {
        for (uint32_t rd = 0; rd < 32; rd++) {
            for (size_t i = 0; i < KEEL_ARRAY_SIZE(imms); i++) {
                uint32_t rs1 = (rd + 5 * (uint32_t)i) % 32;
                uint32_t insn = enc_load(loads[k].funct3, rd, rs1, imms[i]);
                struct riscv_mmio_insn want =
                    want_access(false, loads[k].width, rd, loads[k].sign, 4);

                expect_raw(loads[k].name, insn, want);
                expect_htinst(loads[k].name, transform_load(insn, 0), want);
                /* a misaligned access may leave a nonzero Addr. Offset in bits 19:15 */
                expect_htinst(loads[k].name, transform_load(insn, 1 + (uint32_t)i % 7), want);
            }
        }
    }
}

/* Every RV64I store, every source register (x0 included), several rs1/imm values. */
static void test_stores(void)
{
    for (size_t k = 0; k < KEEL_ARRAY_SIZE(stores); k++) {
        for (uint32_t rs2 = 0; rs2 < 32; rs2++) {
            for (size_t i = 0; i < KEEL_ARRAY_SIZE(imms); i++) {
                uint32_t rs1 = (rs2 + 3 + 7 * (uint32_t)i) % 32;
                uint32_t insn = enc_store(stores[k].funct3, rs2, rs1, imms[i]);
                struct riscv_mmio_insn want = want_access(true, stores[k].width, rs2, false, 4);

                expect_raw(stores[k].name, insn, want);
                expect_htinst(stores[k].name, transform_store(insn, 0), want);
                expect_htinst(stores[k].name, transform_store(insn, 1 + (uint32_t)i % 7), want);
            }
        }
    }
}

/* C.LW / C.LD / C.SW / C.SD: rd'/rs2' and rs1' over x8..x15, every offset. */
static void test_compressed_cl_cs(void)
{
    for (uint32_t reg = 8; reg < 16; reg++) {
        for (uint32_t rs1 = 8; rs1 < 16; rs1++) {
            for (uint32_t uimm = 0; uimm < 128; uimm += 4) {
                uint16_t c = enc_c_lw(reg, rs1, uimm);
                uint32_t exp32 = enc_load(F3_W, reg, rs1, (int32_t)uimm);
                struct riscv_mmio_insn want = want_access(false, 4, reg, true, 2);

                expect_raw("c.lw", c, want);
                expect_htinst("c.lw", compressed_htinst(transform_load(exp32, 0)), want);

                c = enc_c_sw(reg, rs1, uimm);
                exp32 = enc_store(F3_W, reg, rs1, (int32_t)uimm);
                want = want_access(true, 4, reg, false, 2);
                expect_raw("c.sw", c, want);
                expect_htinst("c.sw", compressed_htinst(transform_store(exp32, 0)), want);
            }
            for (uint32_t uimm = 0; uimm < 256; uimm += 8) {
                uint16_t c = enc_c_ld(reg, rs1, uimm);
                uint32_t exp32 = enc_load(F3_D, reg, rs1, (int32_t)uimm);
                struct riscv_mmio_insn want = want_access(false, 8, reg, false, 2);

                expect_raw("c.ld", c, want);
                expect_htinst("c.ld", compressed_htinst(transform_load(exp32, 0)), want);

                c = enc_c_sd(reg, rs1, uimm);
                exp32 = enc_store(F3_D, reg, rs1, (int32_t)uimm);
                want = want_access(true, 8, reg, false, 2);
                expect_raw("c.sd", c, want);
                expect_htinst("c.sd", compressed_htinst(transform_store(exp32, 0)), want);
            }
        }
    }
}

/* C.LWSP / C.LDSP (rd x1..x31; x0 reserved) and C.SWSP / C.SDSP (rs2 x0..x31). */
static void test_compressed_sp(void)
{
    for (uint32_t reg = 0; reg < 32; reg++) {
        for (uint32_t uimm = 0; uimm < 256; uimm += 4) {
            uint16_t c = enc_c_lwsp(reg, uimm);
            uint32_t exp32 = enc_load(F3_W, reg, 2, (int32_t)uimm);

            if (reg == 0) {
                expect_raw_unsupported("c.lwsp x0 (reserved)", c);
            } else {
                struct riscv_mmio_insn want = want_access(false, 4, reg, true, 2);

                expect_raw("c.lwsp", c, want);
                expect_htinst("c.lwsp", compressed_htinst(transform_load(exp32, 0)), want);
            }

            c = enc_c_swsp(reg, uimm);
            exp32 = enc_store(F3_W, reg, 2, (int32_t)uimm);
            expect_raw("c.swsp", c, want_access(true, 4, reg, false, 2));
            expect_htinst("c.swsp", compressed_htinst(transform_store(exp32, 0)),
                          want_access(true, 4, reg, false, 2));
        }
        for (uint32_t uimm = 0; uimm < 512; uimm += 8) {
            uint16_t c = enc_c_ldsp(reg, uimm);
            uint32_t exp32 = enc_load(F3_D, reg, 2, (int32_t)uimm);

            if (reg == 0) {
                expect_raw_unsupported("c.ldsp x0 (reserved)", c);
            } else {
                struct riscv_mmio_insn want = want_access(false, 8, reg, false, 2);

                expect_raw("c.ldsp", c, want);
                expect_htinst("c.ldsp", compressed_htinst(transform_load(exp32, 0)), want);
            }

            c = enc_c_sdsp(reg, uimm);
            exp32 = enc_store(F3_D, reg, 2, (int32_t)uimm);
            expect_raw("c.sdsp", c, want_access(true, 8, reg, false, 2));
            expect_htinst("c.sdsp", compressed_htinst(transform_store(exp32, 0)),
                          want_access(true, 8, reg, false, 2));
        }
    }
}

/* Zcb: c.lbu, c.lhu, c.lh, c.sb, c.sh; reserved neighbours rejected. */
static void test_compressed_zcb(void)
{
    for (uint32_t reg = 8; reg < 16; reg++) {
        for (uint32_t rs1 = 8; rs1 < 16; rs1++) {
            for (uint32_t uimm = 0; uimm < 4; uimm++) {
                uint32_t hoff = uimm & 2;

                expect_raw("c.lbu", enc_c_lbu(reg, rs1, uimm), want_access(false, 1, reg, false, 2));
                expect_htinst("c.lbu",
                              compressed_htinst(transform_load(
                                  enc_load(F3_BU, reg, rs1, (int32_t)uimm), 0)),
                              want_access(false, 1, reg, false, 2));
                expect_raw("c.sb", enc_c_sb(reg, rs1, uimm), want_access(true, 1, reg, false, 2));
                expect_htinst("c.sb",
                              compressed_htinst(transform_store(
                                  enc_store(F3_B, reg, rs1, (int32_t)uimm), 0)),
                              want_access(true, 1, reg, false, 2));
                expect_raw("c.lhu", enc_c_lhu(reg, rs1, hoff), want_access(false, 2, reg, false, 2));
                expect_htinst("c.lhu",
                              compressed_htinst(transform_load(
                                  enc_load(F3_HU, reg, rs1, (int32_t)hoff), 0)),
                              want_access(false, 2, reg, false, 2));
                expect_raw("c.lh", enc_c_lh(reg, rs1, hoff), want_access(false, 2, reg, true, 2));
                expect_htinst("c.lh",
                              compressed_htinst(transform_load(
                                  enc_load(F3_H, reg, rs1, (int32_t)hoff), 0)),
                              want_access(false, 2, reg, true, 2));
                expect_raw("c.sh", enc_c_sh(reg, rs1, hoff), want_access(true, 2, reg, false, 2));
                expect_htinst("c.sh",
                              compressed_htinst(transform_store(
                                  enc_store(F3_H, reg, rs1, (int32_t)hoff), 0)),
                              want_access(true, 2, reg, false, 2));

                /* c.sh with bit 6 set and quadrant-0 funct3 100, bits 12:10 = 1xx: reserved */
                expect_raw_unsupported("c.sh bit6=1", enc_zcb(3, 1, uimm & 1, reg, rs1));
                for (uint32_t sub = 4; sub < 8; sub++)
                    expect_raw_unsupported("zcb reserved", enc_zcb(sub, uimm >> 1, uimm & 1, reg, rs1));
            }
        }
    }
}

/* A compressed instruction's upper 16 bits (the next instruction) are ignored. */
static void test_compressed_ignores_upper_half(void)
{
    static const uint32_t uppers[] = { 0x0000, 0xffff, 0x8503, 0x0013, 0xdead };

    for (size_t i = 0; i < KEEL_ARRAY_SIZE(uppers); i++) {
        uint32_t hi = uppers[i] << 16;

        expect_raw("c.lw+junk", hi | enc_c_lw(10, 15, 4), want_access(false, 4, 10, true, 2));
        expect_raw("c.sdsp+junk", hi | enc_c_sdsp(27, 16), want_access(true, 8, 27, false, 2));
        expect_raw_unsupported("c.fld+junk", hi | enc_c_fld(10, 11, 8));
        expect_raw_unsupported("c.lwsp x0+junk", hi | enc_c_lwsp(0, 4));
    }
}

/* Exhaustive over all 65536 parcels: exactly the supported compressed encodings decode. */
static void test_compressed_exhaustive_count(void)
{
    /*
     * Free bits per instruction: C.LW/C.LD/C.SW/C.SD, C.SWSP/C.SDSP: 11 bits (2048 each);
     * C.LWSP/C.LDSP: 11 bits minus the 64 encodings with rd = x0; c.lbu, c.sb: 8 bits;
     * c.lh + c.lhu: 8 bits together; c.sh: 7 bits (bit 6 fixed at 0).
     */
    const unsigned expected = 4 * 2048 + 2 * 2048 + 2 * (2048 - 64) + 256 + 256 + 256 + 128;
    unsigned ok = 0, q1 = 0, widths_ok = 1;

    for (uint32_t p = 0; p < 0x10000; p++) {
        struct riscv_mmio_insn got;

        if ((p & 3) == 3)
            continue;
        if (riscv_decode_mmio_insn(p, &got) != RISCV_DECODE_OK)
            continue;
        ok++;
        if ((p & 3) == 1)
            q1++;
        if (got.insn_len != 2 || (got.width != 1 && got.width != 2 && got.width != 4 &&
                                  got.width != 8) || got.reg > 31)
            widths_ok = 0;
    }
    KTEST_EQ(ok, expected);
    KTEST_EQ(q1, 0);
    KTEST_CHECK(widths_ok);
}

/* Exhaustive over opcode x funct3 with assorted other bits: only LOAD/STORE decode. */
static void test_uncompressed_opcode_sweep(void)
{
    static const uint32_t others[] = { 0x00000000, 0xfff00000, 0x01f00f80, 0x5a5a5a80,
                                       0xfe0f8f80 };
    unsigned ok = 0;

    for (uint32_t opcode = 0; opcode < 0x80; opcode++) {
        if ((opcode & 3) != 3 || (opcode & 0x1c) == 0x1c)
            continue; /* not a 32-bit encoding */
        for (uint32_t funct3 = 0; funct3 < 8; funct3++) {
            for (size_t i = 0; i < KEEL_ARRAY_SIZE(others); i++) {
                uint32_t insn = (others[i] & ~0x707fu) | (funct3 << 12) | opcode;
                struct riscv_mmio_insn got;
                bool want_ok = (opcode == OP_LOAD && funct3 != 7) ||
                               (opcode == OP_STORE && funct3 < 4);
                enum riscv_decode_status st = riscv_decode_mmio_insn(insn, &got);

                KTEST_EQ(st, want_ok ? RISCV_DECODE_OK : RISCV_DECODE_UNSUPPORTED);
                if (st == RISCV_DECODE_OK)
                    ok++;
            }
        }
    }
    KTEST_EQ(ok, (7 + 4) * KEEL_ARRAY_SIZE(others));
}

/* FP loads/stores, atomics, hypervisor loads/stores, non-memory and reserved encodings. */
static void test_unsupported_raw(void)
{
    for (uint32_t reg = 0; reg < 32; reg += 5) {
        expect_raw_unsupported("flw", enc_i(OP_LOAD_FP, 2, reg, 10, 4));
        expect_raw_unsupported("fld", enc_i(OP_LOAD_FP, 3, reg, 10, -8));
        expect_raw_unsupported("flh", enc_i(OP_LOAD_FP, 1, reg, 10, 2));
        expect_raw_unsupported("flq", enc_i(OP_LOAD_FP, 4, reg, 10, 16));
        expect_raw_unsupported("fsw", enc_s(OP_STORE_FP, 2, reg, 10, 4));
        expect_raw_unsupported("fsd", enc_s(OP_STORE_FP, 3, reg, 10, -8));
        expect_raw_unsupported("amoadd.w", enc_amo(AMO_ADD, 0, 2, reg, 11, 12));
        expect_raw_unsupported("amoswap.d.aqrl", enc_amo(AMO_SWAP, 3, 3, reg, 11, 12));
        expect_raw_unsupported("amoor.d", enc_amo(AMO_OR, 1, 3, reg, 11, 12));
        expect_raw_unsupported("lr.w", enc_amo(AMO_LR, 0, 2, reg, 11, 0));
        expect_raw_unsupported("lr.d", enc_amo(AMO_LR, 2, 3, reg, 11, 0));
        expect_raw_unsupported("sc.w", enc_amo(AMO_SC, 0, 2, reg, 11, 12));
        expect_raw_unsupported("sc.d", enc_amo(AMO_SC, 1, 3, reg, 11, 12));
        expect_raw_unsupported("addi", enc_i(OP_OP_IMM, 0, reg, 10, 5));
        expect_raw_unsupported("load funct3=111", enc_load(7, reg, 10, 0));
        for (uint32_t f3 = 4; f3 < 8; f3++)
            expect_raw_unsupported("store funct3=1xx", enc_store(f3, reg, 10, 0));
    }
    for (uint32_t reg = 8; reg < 16; reg++) {
        expect_raw_unsupported("c.fld", enc_c_fld(reg, 8, 8));
        expect_raw_unsupported("c.fsd", enc_c_fsd(reg, 15, 248));
    }
    for (uint32_t reg = 0; reg < 32; reg++) {
        expect_raw_unsupported("c.fldsp", enc_c_fldsp(reg, 16));
        expect_raw_unsupported("c.fsdsp", enc_c_fsdsp(reg, 24));
    }
    expect_raw_unsupported("zero", 0x00000000);
    expect_raw_unsupported("all ones", 0xffffffff);
    expect_raw_unsupported("48-bit prefix", 0x0000001f);
    expect_raw_unsupported("64-bit prefix", 0x0000003f);
    expect_raw_unsupported("c.nop", 0x0001);
    expect_raw_unsupported("ecall", enc_i(OP_SYSTEM, 0, 0, 0, 0));
}

/* htinst values that must not be decoded; pseudoinstructions are recognised as such. */
static void test_htinst_rejects(void)
{
    static const uint64_t pseudo[] = { 0x00002000, 0x00002020, 0x00003000, 0x00003020 };
    uint32_t lw = transform_load(enc_load(F3_W, 10, 11, 0), 0);
    uint32_t sd = transform_store(enc_store(F3_D, 12, 13, 0), 0);

    for (size_t i = 0; i < KEEL_ARRAY_SIZE(pseudo); i++) {
        expect_htinst_unsupported("pseudoinstruction", pseudo[i]);
        KTEST_CHECK(riscv_htinst_is_pseudoinsn(pseudo[i]));
        /* the pseudoinstructions are LW/SW/LD/SD x0,0(x0) with bits 1:0 cleared */
        KTEST_CHECK(!riscv_htinst_is_pseudoinsn(pseudo[i] | 3));
        KTEST_CHECK(riscv_htinst_is_transformed(pseudo[i] | 3));
        KTEST_CHECK(!riscv_htinst_is_pseudoinsn(pseudo[i] | (UINT64_C(1) << 32)));
    }
    KTEST_CHECK(!riscv_htinst_is_pseudoinsn(0));
    KTEST_CHECK(!riscv_htinst_is_pseudoinsn(0x00001000));
    KTEST_CHECK(!riscv_htinst_is_pseudoinsn(0x00003010));
    KTEST_CHECK(!riscv_htinst_is_pseudoinsn(lw));

    expect_htinst_unsupported("zero", 0);
    /* bits 63:32 must be zero */
    expect_htinst_unsupported("lw with bit 32", lw | (UINT64_C(1) << 32));
    expect_htinst_unsupported("lw with bit 63", lw | (UINT64_C(1) << 63));
    expect_htinst_unsupported("sd with upper ones", sd | UINT64_C(0xffffffff00000000));
    /* bits 1:0 = 10 and 00 are not transformed instructions */
    expect_htinst_unsupported("lw bits 1:0 = 10", lw & ~1u);
    expect_htinst_unsupported("sd bits 1:0 = 00", sd & ~3u);
    /* transformed FP loads/stores (both lengths) */
    expect_htinst_unsupported("flw", transform_load(enc_i(OP_LOAD_FP, 2, 10, 11, 4), 0));
    expect_htinst_unsupported("fld", transform_load(enc_i(OP_LOAD_FP, 3, 10, 11, 8), 0));
    expect_htinst_unsupported("fsw", transform_store(enc_s(OP_STORE_FP, 2, 10, 11, 4), 0));
    expect_htinst_unsupported("fsd", transform_store(enc_s(OP_STORE_FP, 3, 8, 2, 8), 0));
    expect_htinst_unsupported("c.fld", compressed_htinst(transform_load(enc_i(OP_LOAD_FP, 3, 10, 11, 8), 0)));
    expect_htinst_unsupported("c.fsdsp",
                              compressed_htinst(transform_store(enc_s(OP_STORE_FP, 3, 8, 2, 24), 0)));
    /* transformed atomics and hypervisor loads/stores */
    expect_htinst_unsupported("amoadd.w", transform_rs1(enc_amo(AMO_ADD, 0, 2, 10, 12, 11), 0));
    expect_htinst_unsupported("amoswap.d", transform_rs1(enc_amo(AMO_SWAP, 3, 3, 5, 7, 6), 0));
    expect_htinst_unsupported("lr.w", transform_rs1(enc_amo(AMO_LR, 0, 2, 10, 11, 0), 0));
    expect_htinst_unsupported("sc.d", transform_rs1(enc_amo(AMO_SC, 0, 3, 10, 11, 12), 0));
    expect_htinst_unsupported("hlv.w a0,(a1)", transform_rs1(0x6805c573, 0));
    expect_htinst_unsupported("hsv.d a2,(a3)", transform_rs1(0x6ec6c073, 0));
    /* reserved load/store funct3 */
    expect_htinst_unsupported("load funct3=111", transform_load(enc_load(7, 10, 0, 0), 0));
    expect_htinst_unsupported("store funct3=100", transform_store(enc_store(4, 10, 0, 0), 0));
    expect_htinst_unsupported("store funct3=111 (c)", compressed_htinst(transform_store(enc_store(7, 10, 0, 0), 0)));
}

/* Exhaustive over the low 15 bits (opcode, rd, funct3) of htinst. */
static void test_htinst_sweep(void)
{
    unsigned ok = 0;

    for (uint32_t v = 0; v < 0x8000; v++) {
        uint32_t opcode32 = (v | 2) & 0x7f;
        uint32_t funct3 = (v >> 12) & 7;
        bool want_ok = (v & 1) && ((opcode32 == OP_LOAD && funct3 != 7) ||
                                   (opcode32 == OP_STORE && funct3 < 4));
        struct riscv_mmio_insn got;
        enum riscv_decode_status st = riscv_decode_htinst(v, &got);

        KTEST_EQ(st, want_ok ? RISCV_DECODE_OK : RISCV_DECODE_UNSUPPORTED);
        KTEST_EQ(riscv_htinst_is_transformed(v), want_ok);
        if (st == RISCV_DECODE_OK) {
            ok++;
            KTEST_EQ(got.insn_len, (v & 2) ? 4 : 2);
        }
    }
    /* 32 rd values x (7 loads + 4 stores) x 2 lengths */
    KTEST_EQ(ok, 32 * (7 + 4) * 2);
}

/* A compressed instruction decodes the same raw and through its htinst transformation. */
static void test_htinst_matches_raw_compressed(void)
{
    struct {
        const char *name;
        uint16_t c;
        uint32_t transformed; /* transformed 32-bit expansion */
    } cases[] = {
        { "c.lw s0,0(s1)", enc_c_lw(8, 9, 0), transform_load(enc_load(F3_W, 8, 9, 0), 0) },
        { "c.ld a5,248(a0)", enc_c_ld(15, 10, 248), transform_load(enc_load(F3_D, 15, 10, 248), 0) },
        { "c.sw a4,64(s0)", enc_c_sw(14, 8, 64), transform_store(enc_store(F3_W, 14, 8, 64), 0) },
        { "c.sd s1,8(a4)", enc_c_sd(9, 14, 8), transform_store(enc_store(F3_D, 9, 14, 8), 0) },
        { "c.lwsp t6,4(sp)", enc_c_lwsp(31, 4), transform_load(enc_load(F3_W, 31, 2, 4), 0) },
        { "c.ldsp ra,0(sp)", enc_c_ldsp(1, 0), transform_load(enc_load(F3_D, 1, 2, 0), 0) },
        { "c.swsp zero,8(sp)", enc_c_swsp(0, 8), transform_store(enc_store(F3_W, 0, 2, 8), 0) },
        { "c.sdsp t6,504(sp)", enc_c_sdsp(31, 504), transform_store(enc_store(F3_D, 31, 2, 504), 0) },
    };

    for (size_t i = 0; i < KEEL_ARRAY_SIZE(cases); i++) {
        struct riscv_mmio_insn raw, ht;

        KTEST_EQ(riscv_decode_mmio_insn(cases[i].c, &raw), RISCV_DECODE_OK);
        /* with and without a misaligned-access Addr. Offset */
        for (uint32_t off = 0; off < 8; off += 7) {
            uint32_t htinst = compressed_htinst(cases[i].transformed | (off << 15));

            KTEST_EQ(htinst & 3, 1);
            expect_htinst(cases[i].name, htinst, raw);
            KTEST_EQ(riscv_decode_htinst(htinst, &ht), RISCV_DECODE_OK);
            KTEST_EQ(ht.insn_len, 2);
        }
    }
}

/* Literal encodings from GNU as 2.40 (-march=rv64gc), objdump -d -M no-aliases. */
static void test_gnu_as_encodings(void)
{
    static const struct {
        uint32_t insn;
        const char *text;
        bool is_store;
        unsigned width, reg;
        bool sign;
        unsigned len;
    } ok[] = {
        { 0xfff58503, "lb a0,-1(a1)", false, 1, 10, true, 4 },
        { 0x7ff41f83, "lh t6,2047(s0)", false, 2, 31, true, 4 },
        { 0x80012083, "lw ra,-2048(sp)", false, 4, 1, true, 4 },
        { 0x0082b003, "ld zero,8(t0)", false, 8, 0, false, 4 },
        { 0x0007c483, "lbu s1,0(a5)", false, 1, 9, false, 4 },
        { 0x0061de03, "lhu t3,6(gp)", false, 2, 28, false, 4 },
        { 0x064de883, "lwu a7,100(s11)", false, 4, 17, false, 4 },
        { 0xfff50fa3, "sb t6,-1(a0)", true, 1, 31, false, 4 },
        { 0x00011123, "sh zero,2(sp)", true, 2, 0, false, 4 },
        { 0x40f92023, "sw a5,1024(s2)", true, 4, 15, false, 4 },
        { 0xfe113c23, "sd ra,-8(sp)", true, 8, 1, false, 4 },
        { 0x43c8, "c.lw a0,4(a5)", false, 4, 10, true, 2 },
        { 0x7ce0, "c.ld s0,248(s1)", false, 8, 8, false, 2 },
        { 0xdd7c, "c.sw a5,124(a0)", true, 4, 15, false, 2 },
        { 0xe704, "c.sd s1,8(a4)", true, 8, 9, false, 2 },
        { 0x50fe, "c.lwsp ra,252(sp)", false, 4, 1, true, 2 },
        { 0x7ffe, "c.ldsp t6,504(sp)", false, 8, 31, false, 2 },
        { 0xc002, "c.swsp zero,0(sp)", true, 4, 0, false, 2 },
        { 0xe86e, "c.sdsp s11,16(sp)", true, 8, 27, false, 2 },
    };
    static const struct {
        uint32_t insn;
        const char *text;
    } bad[] = {
        { 0x00452507, "flw fa0,4(a0)" },
        { 0x00813427, "fsd fs0,8(sp)" },
        { 0x00259507, "flh fa0,2(a1)" },
        { 0x00b6252f, "amoadd.w a0,a1,(a2)" },
        { 0x0e63b2af, "amoswap.d.aqrl t0,t1,(t2)" },
        { 0x1005a52f, "lr.w a0,(a1)" },
        { 0x18c5b52f, "sc.d a0,a2,(a1)" },
        { 0x6805c573, "hlv.w a0,(a1)" },
        { 0x6ec6c073, "hsv.d a2,(a3)" },
        { 0x2588, "c.fld fa0,8(a1)" },
        { 0xa004, "c.fsd fs1,0(s0)" },
        { 0x2042, "c.fldsp ft0,16(sp)" },
        { 0xac22, "c.fsdsp fs0,24(sp)" },
    };

    for (size_t i = 0; i < KEEL_ARRAY_SIZE(ok); i++)
        expect_raw(ok[i].text, ok[i].insn,
                   want_access(ok[i].is_store, ok[i].width, ok[i].reg, ok[i].sign, ok[i].len));
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(bad); i++)
        expect_raw_unsupported(bad[i].text, bad[i].insn);

    /* the encoders reproduce the assembler's output */
    KTEST_EQ(enc_load(F3_B, 10, 11, -1), 0xfff58503);
    KTEST_EQ(enc_load(F3_H, 31, 8, 2047), 0x7ff41f83);
    KTEST_EQ(enc_load(F3_W, 1, 2, -2048), 0x80012083);
    KTEST_EQ(enc_load(F3_WU, 17, 27, 100), 0x064de883);
    KTEST_EQ(enc_store(F3_B, 31, 10, -1), 0xfff50fa3);
    KTEST_EQ(enc_store(F3_W, 15, 18, 1024), 0x40f92023);
    KTEST_EQ(enc_store(F3_D, 1, 2, -8), 0xfe113c23);
    KTEST_EQ(enc_i(OP_LOAD_FP, 2, 10, 10, 4), 0x00452507);
    KTEST_EQ(enc_s(OP_STORE_FP, 3, 8, 2, 8), 0x00813427);
    KTEST_EQ(enc_amo(AMO_ADD, 0, 2, 10, 12, 11), 0x00b6252f);
    KTEST_EQ(enc_amo(AMO_SWAP, 3, 3, 5, 7, 6), 0x0e63b2af);
    KTEST_EQ(enc_amo(AMO_LR, 0, 2, 10, 11, 0), 0x1005a52f);
    KTEST_EQ(enc_amo(AMO_SC, 0, 3, 10, 11, 12), 0x18c5b52f);
    KTEST_EQ(enc_c_lw(10, 15, 4), 0x43c8);
    KTEST_EQ(enc_c_ld(8, 9, 248), 0x7ce0);
    KTEST_EQ(enc_c_sw(15, 10, 124), 0xdd7c);
    KTEST_EQ(enc_c_sd(9, 14, 8), 0xe704);
    KTEST_EQ(enc_c_lwsp(1, 252), 0x50fe);
    KTEST_EQ(enc_c_ldsp(31, 504), 0x7ffe);
    KTEST_EQ(enc_c_swsp(0, 0), 0xc002);
    KTEST_EQ(enc_c_sdsp(27, 16), 0xe86e);
    KTEST_EQ(enc_c_fld(10, 11, 8), 0x2588);
    KTEST_EQ(enc_c_fsd(9, 8, 0), 0xa004);
    KTEST_EQ(enc_c_fldsp(0, 16), 0x2042);
    KTEST_EQ(enc_c_fsdsp(8, 24), 0xac22);
    /* Zcb (binutils 2.40 lacks it): c.lbu x8,0(x8) is 0x8000 per the Zc spec */
    KTEST_EQ(enc_c_lbu(8, 8, 0), 0x8000);

    /* transformed forms of a few of them, spelled out */
    expect_htinst("lw ra,-2048(sp) -> htinst", 0x00002083, want_access(false, 4, 1, true, 4));
    expect_htinst("sd ra,-8(sp) -> htinst", 0x00103023, want_access(true, 8, 1, false, 4));
    expect_htinst("c.lw a0,4(a5) -> htinst", 0x00002501, want_access(false, 4, 10, true, 2));
    expect_htinst("c.sdsp s11,16(sp) -> htinst", 0x01b03021, want_access(true, 8, 27, false, 2));
    KTEST_EQ(transform_load(0x80012083, 0), 0x00002083);
    KTEST_EQ(transform_store(0xfe113c23, 0), 0x00103023);
    KTEST_EQ(compressed_htinst(transform_load(enc_load(F3_W, 10, 15, 4), 0)), 0x00002501);
    KTEST_EQ(compressed_htinst(transform_store(enc_store(F3_D, 27, 2, 16), 0)), 0x01b03021);
}

static void test_extend(void)
{
    struct riscv_mmio_insn lb = want_access(false, 1, 10, true, 4);
    struct riscv_mmio_insn lbu = want_access(false, 1, 10, false, 4);
    struct riscv_mmio_insn lh = want_access(false, 2, 10, true, 4);
    struct riscv_mmio_insn lhu = want_access(false, 2, 10, false, 2);
    struct riscv_mmio_insn lw = want_access(false, 4, 10, true, 2);
    struct riscv_mmio_insn lwu = want_access(false, 4, 10, false, 4);
    struct riscv_mmio_insn ld = want_access(false, 8, 10, false, 4);
    struct riscv_mmio_insn sb = want_access(true, 1, 10, false, 4);
    struct riscv_mmio_insn sw = want_access(true, 4, 10, false, 2);

    KTEST_EQ(riscv_mmio_extend(&lb, 0x80), 0xffffffffffffff80);
    KTEST_EQ(riscv_mmio_extend(&lb, 0x7f), 0x7f);
    KTEST_EQ(riscv_mmio_extend(&lb, 0xff), 0xffffffffffffffff);
    KTEST_EQ(riscv_mmio_extend(&lb, 0x12345680), 0xffffffffffffff80); /* junk above the byte */
    KTEST_EQ(riscv_mmio_extend(&lbu, 0x80), 0x80);
    KTEST_EQ(riscv_mmio_extend(&lbu, 0xffffffffffffff80), 0x80);
    KTEST_EQ(riscv_mmio_extend(&lh, 0x8000), 0xffffffffffff8000);
    KTEST_EQ(riscv_mmio_extend(&lh, 0x7fff), 0x7fff);
    KTEST_EQ(riscv_mmio_extend(&lh, 0xabcd0080), 0x80);
    KTEST_EQ(riscv_mmio_extend(&lhu, 0x8000), 0x8000);
    KTEST_EQ(riscv_mmio_extend(&lhu, 0x12348000), 0x8000);
    KTEST_EQ(riscv_mmio_extend(&lw, 0x80000000), 0xffffffff80000000);
    KTEST_EQ(riscv_mmio_extend(&lw, 0x7fffffff), 0x7fffffff);
    KTEST_EQ(riscv_mmio_extend(&lw, 0xdeadbeef00000001), 0x1);
    KTEST_EQ(riscv_mmio_extend(&lwu, 0x80000000), 0x80000000);
    KTEST_EQ(riscv_mmio_extend(&lwu, 0xffffffff80000000), 0x80000000);
    KTEST_EQ(riscv_mmio_extend(&ld, 0x8000000000000000), 0x8000000000000000);
    KTEST_EQ(riscv_mmio_extend(&ld, 0x0123456789abcdef), 0x0123456789abcdef);
    /* store descriptions: the data truncated to the access width */
    KTEST_EQ(riscv_mmio_extend(&sb, 0x1234), 0x34);
    KTEST_EQ(riscv_mmio_extend(&sw, 0xffffffff80000000), 0x80000000);

    /* the descriptor comes straight from the decoder */
    {
        struct riscv_mmio_insn d;

        KTEST_EQ(riscv_decode_mmio_insn(enc_load(F3_B, 5, 6, 0), &d), RISCV_DECODE_OK);
        KTEST_EQ(riscv_mmio_extend(&d, 0x80), 0xffffffffffffff80);
        KTEST_EQ(riscv_decode_mmio_insn(enc_c_lhu(9, 10, 2), &d), RISCV_DECODE_OK);
        KTEST_EQ(riscv_mmio_extend(&d, 0x8000), 0x8000);
        KTEST_EQ(riscv_decode_mmio_insn(enc_c_lh(9, 10, 2), &d), RISCV_DECODE_OK);
        KTEST_EQ(riscv_mmio_extend(&d, 0x8000), 0xffffffffffff8000);
        KTEST_EQ(riscv_decode_htinst(0x00002501, &d), RISCV_DECODE_OK); /* c.lw */
        KTEST_EQ(riscv_mmio_extend(&d, 0x80000000), 0xffffffff80000000);
        KTEST_EQ(riscv_decode_htinst(0x00006003, &d), RISCV_DECODE_OK); /* lwu x0 */
        KTEST_EQ(riscv_mmio_extend(&d, 0x80000000), 0x80000000);
    }
}

/* The completion exit.c caches: (value ^ sign_bit) - sign_bit of a zero-extended value equals
   riscv_mmio_extend() for every load width and signedness, on every boundary value. */
static void test_sign_bit(void)
{
    static const struct {
        bool store, sign_extend;
        uint8_t width;
        uint64_t sign_bit;
    } kinds[] = {
        { false, true, 1, 0x80 },       /* lb */
        { false, false, 1, 0 },         /* lbu */
        { false, true, 2, 0x8000 },     /* lh */
        { false, true, 4, 0x80000000 }, /* lw */
        { false, false, 4, 0 },         /* lwu */
        { false, false, 8, 0 },         /* ld */
        { true, false, 4, 0 },          /* sw */
    };
    static const uint64_t values[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                       0x7fffffff, 0x80000000, 0xffffffff,
                                       0x8000000000000000, UINT64_MAX };

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct riscv_mmio_insn insn =
            want_access(kinds[i].store, kinds[i].width, 10, kinds[i].sign_extend, 4);
        uint64_t mask = insn.width == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * insn.width)) - 1;
        uint64_t sb = riscv_mmio_sign_bit(&insn);

        KTEST_EQ(sb, kinds[i].sign_bit);
        for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
            uint64_t zext = values[k] & mask;

            KTEST_EQ((zext ^ sb) - sb, riscv_mmio_extend(&insn, values[k]));
        }
    }
}

int main(void)
{
    KTEST_RUN(test_sign_bit);
    KTEST_RUN(test_insn_length);
    KTEST_RUN(test_loads);
    KTEST_RUN(test_stores);
    KTEST_RUN(test_compressed_cl_cs);
    KTEST_RUN(test_compressed_sp);
    KTEST_RUN(test_compressed_zcb);
    KTEST_RUN(test_compressed_ignores_upper_half);
    KTEST_RUN(test_compressed_exhaustive_count);
    KTEST_RUN(test_uncompressed_opcode_sweep);
    KTEST_RUN(test_unsupported_raw);
    KTEST_RUN(test_htinst_rejects);
    KTEST_RUN(test_htinst_sweep);
    KTEST_RUN(test_htinst_matches_raw_compressed);
    KTEST_RUN(test_gnu_as_encodings);
    KTEST_RUN(test_extend);
    return ktest_summary();
}
