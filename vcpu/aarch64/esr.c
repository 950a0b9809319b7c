/* SPDX-License-Identifier: MIT */
/*
 * AArch64 syndrome decoding and injected syndromes (see esr.h).
 *
 * The ISV=0 instruction decoder looks only at the "load/store register" classes of the A64
 * encoding, all of which have this shape:
 *
 *   31 30 29 27 26 25 24 23 22 21 20                 10 9    5 4    0
 *  +-----+-----+--+-----+-----+--+---------------------+------+------+
 *  | size| 111 | V| x x | opc |  |  imm12 / imm9 / Rm  |  Rn  |  Rt  |
 *  +-----+-----+--+-----+-----+--+---------------------+------+------+
 *
 * bits 25:24 = 01: unsigned offset (imm12); = 00: bit 21 and bits 11:10 select unscaled /
 * post-index / unprivileged / pre-index (bit 21 = 0) or register offset (bit 21 = 1, 11:10 =
 * 10); (size, opc) then give direction, width and signedness the same way in every class.
 */
#include <keel/types.h>

#include "esr.h"

/* ---- exception classes ---- */

bool esr_ec_is_aarch32(uint32_t ec)
{
    switch (ec) {
    case ESR_EC_CP15_32:
    case ESR_EC_CP15_64:
    case ESR_EC_CP14_MR:
    case ESR_EC_CP14_LS:
    case ESR_EC_CP10_ID:
    case ESR_EC_CP14_64:
    case ESR_EC_SVC32:
    case ESR_EC_HVC32:
    case ESR_EC_SMC32:
    case ESR_EC_FP_EXC32:
    case ESR_EC_BKPT32:
    case ESR_EC_VECTOR32:
        return true;
    default:
        return false;
    }
}

struct ec_name {
    uint8_t ec;
    const char *name;
};

static const struct ec_name ec_names[] = {
    { ESR_EC_UNKNOWN, "UNKNOWN" },     { ESR_EC_WFX, "WFX" },
    { ESR_EC_CP15_32, "CP15_32" },     { ESR_EC_CP15_64, "CP15_64" },
    { ESR_EC_CP14_MR, "CP14_MR" },     { ESR_EC_CP14_LS, "CP14_LS" },
    { ESR_EC_FP_ASIMD, "FP_ASIMD" },   { ESR_EC_CP10_ID, "CP10_ID" },
    { ESR_EC_PAC, "PAC" },             { ESR_EC_CP14_64, "CP14_64" },
    { ESR_EC_BTI, "BTI" },             { ESR_EC_ILLEGAL_STATE, "ILLEGAL_STATE" },
    { ESR_EC_SVC32, "SVC32" },         { ESR_EC_HVC32, "HVC32" },
    { ESR_EC_SMC32, "SMC32" },         { ESR_EC_SVC64, "SVC64" },
    { ESR_EC_HVC64, "HVC64" },         { ESR_EC_SMC64, "SMC64" },
    { ESR_EC_SYS64, "SYS64" },         { ESR_EC_SVE, "SVE" },
    { ESR_EC_IABT_LOW, "IABT_LOW" },   { ESR_EC_IABT_CUR, "IABT_CUR" },
    { ESR_EC_PC_ALIGN, "PC_ALIGN" },   { ESR_EC_DABT_LOW, "DABT_LOW" },
    { ESR_EC_DABT_CUR, "DABT_CUR" },   { ESR_EC_SP_ALIGN, "SP_ALIGN" },
    { ESR_EC_FP_EXC32, "FP_EXC32" },   { ESR_EC_FP_EXC64, "FP_EXC64" },
    { ESR_EC_SERROR, "SERROR" },       { ESR_EC_BREAKPT_LOW, "BREAKPT_LOW" },
    { ESR_EC_SOFTSTP_LOW, "SOFTSTP_LOW" }, { ESR_EC_WATCHPT_LOW, "WATCHPT_LOW" },
    { ESR_EC_BKPT32, "BKPT32" },       { ESR_EC_VECTOR32, "VECTOR32" },
    { ESR_EC_BRK64, "BRK64" },
};

const char *esr_ec_name(uint32_t ec)
{
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(ec_names); i++)
        if (ec_names[i].ec == ec)
            return ec_names[i].name;
    return "?";
}

/* ---- data abort syndrome (ISV=1) ---- */

enum a64_decode_status esr_dabt_to_mmio(uint64_t esr, struct a64_mmio_access *out)
{
    *out = (struct a64_mmio_access){ 0 };
    /* a data abort from a lower EL with a valid syndrome, made by the load/store itself */
    if (esr_ec(esr) != ESR_EC_DABT_LOW || !esr_dabt_isv(esr) ||
        (esr & (ESR_DABT_S1PTW_BIT | ESR_DABT_CM_BIT)) != 0)
        return A64_DECODE_UNSUPPORTED;
    /* SAS = 3 with SF = 0: 8 bytes into a W register, which no instruction does */
    if ((esr & (ESR_DABT_SAS_BITS | ESR_DABT_SF_BIT)) == ESR_DABT_SAS_BITS)
        return A64_DECODE_UNSUPPORTED;
    bool sf = esr_dabt_sf(esr);
    out->is_write = esr_dabt_wnr(esr);
    out->width = (uint8_t)(1u << esr_dabt_sas(esr));
    out->reg = (uint8_t)esr_dabt_srt(esr);
    out->sign_extend = !out->is_write && esr_dabt_sse(esr); /* SSE is 0 for stores anyway */
    out->sixty_four = sf;
    return A64_DECODE_OK;
}

uint64_t esr_dabt_from_access(const struct a64_mmio_access *acc)
{
    uint32_t sas = acc->width >= 8 ? 3 : acc->width >= 4 ? 2 : acc->width >= 2 ? 1 : 0;
    uint64_t iss = ESR_DABT_ISV_BIT | ((uint64_t)sas << ESR_DABT_SAS_SHIFT) |
                   ((uint64_t)acc->reg << ESR_DABT_SRT_SHIFT) |
                   (acc->sign_extend ? ESR_DABT_SSE_BIT : 0) |
                   (acc->sixty_four ? ESR_DABT_SF_BIT : 0) |
                   (acc->is_write ? ESR_DABT_WNR_BIT : 0);
    return ((uint64_t)ESR_EC_DABT_LOW << ESR_EC_SHIFT) | ESR_IL | iss;
}

/* ---- A64 load/store register instructions (ISV=0) ---- */

static uint32_t insn_bits(uint32_t insn, unsigned hi, unsigned lo)
{
    return (insn >> lo) & ((1u << (hi - lo + 1)) - 1);
}

enum {
    LDST_REG_OP = 7,      /* bits 29:27 of every load/store register class */
    LDST_UIMM = 1,        /* bits 25:24: unsigned offset */
    LDST_NOT_UIMM = 0,    /* bits 25:24: imm9 and register-offset classes */
    IMM9_UNSCALED = 0,    /* bits 11:10 with bit 21 = 0: LDUR/STUR */
    IMM9_POST_INDEX = 1,  /* LDR/STR [Xn], #imm */
    IMM9_UNPRIV = 2,      /* LDTR/STTR */
    IMM9_PRE_INDEX = 3,   /* LDR/STR [Xn, #imm]! */
    REGOFF_BITS = 2,      /* bits 11:10 with bit 21 = 1: register offset (00: atomics, x1: PAC) */
};

/* (size, opc) of the integer loads/stores (bit 26 V = 0). */
enum { OPC_STORE = 0, OPC_LOAD = 1, OPC_LOAD_SIGNED_X = 2, OPC_LOAD_SIGNED_W = 3 };
enum { SIZE_BYTE = 0, SIZE_HALF = 1, SIZE_WORD = 2, SIZE_DOUBLE = 3 };

enum { REG_ZR_OR_SP = 31 };

/* Direction, width and signedness from (size, opc); false for PRFM/PRFUM and the unallocated
   combinations (size 3 opc 2 in writeback/unprivileged forms is unallocated too). */
static bool decode_size_opc(uint32_t size, uint32_t opc, struct a64_mmio_access *out)
{
    out->width = (uint8_t)(1u << size);
    switch (opc) {
    case OPC_STORE:
    case OPC_LOAD:
        out->is_write = opc == OPC_STORE;
        out->sixty_four = size == SIZE_DOUBLE;
        return true;
    case OPC_LOAD_SIGNED_X: /* LDRSB/LDRSH/LDRSW Xt; size 3 is PRFM */
        out->sign_extend = true;
        out->sixty_four = true;
        return size != SIZE_DOUBLE;
    case OPC_LOAD_SIGNED_W: /* LDRSB/LDRSH Wt; sizes 2 and 3 unallocated */
        out->sign_extend = true;
        out->sixty_four = false;
        return size <= SIZE_HALF;
    default:
        return false;
    }
}

/* Register-offset "option" field (bits 15:13): UXTW 010, LSL/UXTX 011, SXTW 110, SXTX 111;
   option<1> = 0 is unallocated. */
static bool regoff_option_valid(uint32_t option)
{
    return (option & 2u) != 0;
}

static int16_t sign_extend_imm9(uint32_t imm9)
{
    return (int16_t)((int32_t)(imm9 << 23) >> 23);
}

enum a64_decode_status a64_decode_mmio_insn(uint32_t insn, struct a64_mmio_access *out)
{
    *out = (struct a64_mmio_access){ 0 };
    uint32_t size = insn_bits(insn, 31, 30);
    uint32_t opc = insn_bits(insn, 23, 22);
    uint32_t rn = insn_bits(insn, 9, 5);
    uint32_t rt = insn_bits(insn, 4, 0);
    bool simd_fp = insn_bits(insn, 26, 26) != 0;
    if (insn_bits(insn, 29, 27) != LDST_REG_OP || simd_fp)
        return A64_DECODE_UNSUPPORTED; /* pairs, exclusives, literal, SIMD&FP, non-memory */

    struct a64_mmio_access acc = { 0 };
    uint32_t form = insn_bits(insn, 25, 24);
    if (form == LDST_UIMM) {
        /* LDR/STR (immediate, unsigned offset) */
    } else if (form == LDST_NOT_UIMM && insn_bits(insn, 21, 21) == 0) {
        switch (insn_bits(insn, 11, 10)) {
        case IMM9_UNSCALED:
        case IMM9_UNPRIV:
            break;
        case IMM9_POST_INDEX:
        case IMM9_PRE_INDEX:
            acc.writeback = true;
            acc.base_reg = (uint8_t)rn;
            acc.offset = sign_extend_imm9(insn_bits(insn, 20, 12));
            break;
        }
    } else if (form == LDST_NOT_UIMM && insn_bits(insn, 11, 10) == REGOFF_BITS) {
        if (!regoff_option_valid(insn_bits(insn, 15, 13)))
            return A64_DECODE_UNSUPPORTED;
    } else {
        return A64_DECODE_UNSUPPORTED; /* atomics, LDAPR, LDRAA/LDRAB, bits 25:24 = 1x */
    }

    if (!decode_size_opc(size, opc, &acc))
        return A64_DECODE_UNSUPPORTED;
    /* writeback with Rt == Rn (Rn not SP) is CONSTRAINED UNPREDICTABLE: refuse it */
    if (acc.writeback && rt == rn && rn != REG_ZR_OR_SP)
        return A64_DECODE_UNSUPPORTED;
    acc.reg = (uint8_t)rt;
    *out = acc;
    return A64_DECODE_OK;
}

/* ---- injected syndromes ---- */

/* SPSR_ELx.M: bit 4 set = AArch32; M[3:0] = 0b0000 = EL0t. */
#define SPSR_M_AARCH32 (1ull << 4)
#define SPSR_M_EL_MASK 0xcull /* M[3:2]: the exception level */

static bool guest_was_lower_than_el1(uint64_t guest_spsr)
{
    return (guest_spsr & SPSR_M_AARCH32) != 0 || (guest_spsr & SPSR_M_EL_MASK) == 0;
}

static uint64_t esr_make(uint32_t ec, uint32_t iss)
{
    return ((uint64_t)ec << ESR_EC_SHIFT) | ESR_IL | iss;
}

uint64_t esr_el1_undef(void)
{
    return esr_make(ESR_EC_UNKNOWN, 0);
}

uint64_t esr_el1_data_abort(uint64_t guest_spsr, bool is_write)
{
    uint32_t ec = guest_was_lower_than_el1(guest_spsr) ? ESR_EC_DABT_LOW : ESR_EC_DABT_CUR;
    return esr_make(ec, ESR_FSC_EXTABT | (uint32_t)(is_write ? ESR_DABT_WNR_BIT : 0));
}

uint64_t esr_el1_insn_abort(uint64_t guest_spsr)
{
    uint32_t ec = guest_was_lower_than_el1(guest_spsr) ? ESR_EC_IABT_LOW : ESR_EC_IABT_CUR;
    return esr_make(ec, ESR_FSC_EXTABT);
}
