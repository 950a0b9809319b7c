/* SPDX-License-Identifier: MIT */
/*
 * RISC-V load/store decoding for MMIO emulation (see insn.h).
 *
 * Both entry points funnel into decode_load_store(), which looks at a 32-bit LOAD/STORE
 * encoding. A compressed instruction is first rewritten into the transformed form of its
 * 32-bit expansion (rs1 and immediate zeroed), which is the same thing the hart writes to
 * htinst for it, apart from bit 1.
 */
#include <keel/types.h>

#include "insn.h"

/* Major opcodes (bits 6:0) of 32-bit instructions. */
enum {
    OPCODE_LOAD = 0x03,  /* LB LH LW LD LBU LHU LWU */
    OPCODE_STORE = 0x23, /* SB SH SW SD */
};

/* funct3 of the LOAD major opcode. */
enum {
    FUNCT3_LB = 0,
    FUNCT3_LH = 1,
    FUNCT3_LW = 2,
    FUNCT3_LD = 3,
    FUNCT3_LBU = 4,
    FUNCT3_LHU = 5,
    FUNCT3_LWU = 6,
};

/* funct3 of the STORE major opcode: log2 of the access width. */
enum {
    FUNCT3_SB = 0,
    FUNCT3_SH = 1,
    FUNCT3_SW = 2,
    FUNCT3_SD = 3,
};

/* Compressed quadrants (bits 1:0) and the funct3 (bits 15:13) of their loads/stores. */
enum {
    C_QUADRANT0 = 0,
    C_QUADRANT2 = 2,

    C0_FUNCT3_LW = 2,
    C0_FUNCT3_LD = 3,
    C0_FUNCT3_ZCB = 4, /* Zcb c.lbu/c.lhu/c.lh/c.sb/c.sh, selected by bits 12:10 */
    C0_FUNCT3_SW = 6,
    C0_FUNCT3_SD = 7,

    C2_FUNCT3_LWSP = 2,
    C2_FUNCT3_LDSP = 3,
    C2_FUNCT3_SWSP = 6,
    C2_FUNCT3_SDSP = 7,
};

/* Bits 12:10 of the Zcb quadrant-0 loads/stores (funct6 = 0b100xxx). */
enum {
    ZCB_LBU = 0,
    ZCB_LH_LHU = 1, /* bit 6: 0 = c.lhu, 1 = c.lh */
    ZCB_SB = 2,
    ZCB_SH = 3, /* bit 6 must be 0 */
};

/* Special pseudoinstruction values of htinst (VS-stage page-table accesses). */
enum {
    HTINST_PSEUDO_READ32 = 0x00002000,
    HTINST_PSEUDO_WRITE32 = 0x00002020,
    HTINST_PSEUDO_READ64 = 0x00003000,
    HTINST_PSEUDO_WRITE64 = 0x00003020,
};

/* ---- 32-bit instruction fields ---- */

static uint32_t insn_opcode(uint32_t insn)
{
    return insn & 0x7f;
}

static uint32_t insn_rd(uint32_t insn)
{
    return (insn >> 7) & 0x1f;
}

static uint32_t insn_funct3(uint32_t insn)
{
    return (insn >> 12) & 0x7;
}

static uint32_t insn_rs2(uint32_t insn)
{
    return (insn >> 20) & 0x1f;
}

/* ---- 16-bit (compressed) instruction fields ---- */

static uint32_t cinsn_quadrant(uint16_t parcel)
{
    return parcel & 0x3u;
}

static uint32_t cinsn_funct3(uint16_t parcel)
{
    return ((uint32_t)parcel >> 13) & 0x7;
}

/* rd / rs1 of the CI and CSS formats, bits 11:7 (full register number). */
static uint32_t cinsn_rd(uint16_t parcel)
{
    return ((uint32_t)parcel >> 7) & 0x1f;
}

/* rs2 of the CSS format, bits 6:2 (full register number). */
static uint32_t cinsn_rs2(uint16_t parcel)
{
    return ((uint32_t)parcel >> 2) & 0x1f;
}

/* rd' of CL / rs2' of CS, bits 4:2, mapped to x8..x15. */
static uint32_t cinsn_rd_prime(uint16_t parcel)
{
    return 8 + (((uint32_t)parcel >> 2) & 0x7);
}

/* Bits 12:10: uimm of C.LW/C.SW etc., the Zcb sub-opcode in quadrant 0 funct3 100. */
static uint32_t cinsn_bits_12_10(uint16_t parcel)
{
    return ((uint32_t)parcel >> 10) & 0x7;
}

/* Bit 6: funct1 of the Zcb CLH/CSH formats. */
static uint32_t cinsn_bit6(uint16_t parcel)
{
    return ((uint32_t)parcel >> 6) & 0x1;
}

/* ---- transformed (htinst-style) 32-bit encodings ---- */

/* Transformed load: imm[11:0] and rs1 (Addr. Offset) zero; funct3, rd, opcode kept. */
static uint32_t transformed_load(uint32_t funct3, uint32_t rd)
{
    return (funct3 << 12) | (rd << 7) | OPCODE_LOAD;
}

/* Transformed store: imm fields and rs1 (Addr. Offset) zero; rs2, funct3, opcode kept. */
static uint32_t transformed_store(uint32_t funct3, uint32_t rs2)
{
    return (rs2 << 20) | (funct3 << 12) | OPCODE_STORE;
}

/* Zcb loads/stores: quadrant 0, funct3 100, sub-opcode in bits 12:10. */
static bool expand_zcb(uint16_t parcel, uint32_t *expanded)
{
    uint32_t reg = cinsn_rd_prime(parcel);

    switch (cinsn_bits_12_10(parcel)) {
    case ZCB_LBU:
        *expanded = transformed_load(FUNCT3_LBU, reg);
        return true;
    case ZCB_LH_LHU:
        *expanded = transformed_load(cinsn_bit6(parcel) ? FUNCT3_LH : FUNCT3_LHU, reg);
        return true;
    case ZCB_SB:
        *expanded = transformed_store(FUNCT3_SB, reg);
        return true;
    case ZCB_SH:
        if (cinsn_bit6(parcel))
            return false; /* reserved */
        *expanded = transformed_store(FUNCT3_SH, reg);
        return true;
    default:
        return false; /* reserved */
    }
}

/* Quadrant 0: CL/CS loads and stores through rs1' with rd'/rs2' in x8..x15. */
static bool expand_quadrant0(uint16_t parcel, uint32_t *expanded)
{
    uint32_t reg = cinsn_rd_prime(parcel);

    switch (cinsn_funct3(parcel)) {
    case C0_FUNCT3_LW:
        *expanded = transformed_load(FUNCT3_LW, reg);
        return true;
    case C0_FUNCT3_LD:
        *expanded = transformed_load(FUNCT3_LD, reg);
        return true;
    case C0_FUNCT3_SW:
        *expanded = transformed_store(FUNCT3_SW, reg);
        return true;
    case C0_FUNCT3_SD:
        *expanded = transformed_store(FUNCT3_SD, reg);
        return true;
    case C0_FUNCT3_ZCB:
        return expand_zcb(parcel, expanded);
    default:
        return false; /* C.ADDI4SPN, C.FLD, C.FSD */
    }
}

/* Quadrant 2: CI/CSS loads and stores through sp with a full 5-bit register. */
static bool expand_quadrant2(uint16_t parcel, uint32_t *expanded)
{
    switch (cinsn_funct3(parcel)) {
    case C2_FUNCT3_LWSP:
        if (cinsn_rd(parcel) == 0)
            return false; /* reserved */
        *expanded = transformed_load(FUNCT3_LW, cinsn_rd(parcel));
        return true;
    case C2_FUNCT3_LDSP:
        if (cinsn_rd(parcel) == 0)
            return false; /* reserved */
        *expanded = transformed_load(FUNCT3_LD, cinsn_rd(parcel));
        return true;
    case C2_FUNCT3_SWSP:
        *expanded = transformed_store(FUNCT3_SW, cinsn_rs2(parcel));
        return true;
    case C2_FUNCT3_SDSP:
        *expanded = transformed_store(FUNCT3_SD, cinsn_rs2(parcel));
        return true;
    default:
        return false; /* C.SLLI, C.FLDSP, C.JR/C.MV/C.ADD/..., C.FSDSP */
    }
}

/*
 * Rewrite a supported compressed load/store into the transformed form of its 32-bit
 * expansion (bits 1:0 = 0b11). False for anything else, including reserved encodings.
 */
static bool expand_compressed(uint16_t parcel, uint32_t *expanded)
{
    switch (cinsn_quadrant(parcel)) {
    case C_QUADRANT0:
        return expand_quadrant0(parcel, expanded);
    case C_QUADRANT2:
        return expand_quadrant2(parcel, expanded);
    default:
        return false; /* quadrant 1 has no loads/stores */
    }
}

/* Access width and signedness of a LOAD funct3; false for the reserved value 111. */
static bool load_access(uint32_t funct3, uint8_t *width, bool *sign_extend)
{
    switch (funct3) {
    case FUNCT3_LB:
        *width = 1;
        *sign_extend = true;
        return true;
    case FUNCT3_LH:
        *width = 2;
        *sign_extend = true;
        return true;
    case FUNCT3_LW:
        *width = 4;
        *sign_extend = true;
        return true;
    case FUNCT3_LD:
        *width = 8;
        *sign_extend = false;
        return true;
    case FUNCT3_LBU:
        *width = 1;
        *sign_extend = false;
        return true;
    case FUNCT3_LHU:
        *width = 2;
        *sign_extend = false;
        return true;
    case FUNCT3_LWU:
        *width = 4;
        *sign_extend = false;
        return true;
    default:
        return false;
    }
}

/* Access width of a STORE funct3; false for the reserved values 1xx. */
static bool store_access(uint32_t funct3, uint8_t *width)
{
    switch (funct3) {
    case FUNCT3_SB:
    case FUNCT3_SH:
    case FUNCT3_SW:
    case FUNCT3_SD:
        *width = (uint8_t)(1u << funct3);
        return true;
    default:
        return false;
    }
}

/*
 * Decode a 32-bit LOAD/STORE encoding (original or transformed: only opcode, funct3 and
 * rd/rs2 are looked at) into *out, which the caller has zeroed; *out is written only on
 * RISCV_DECODE_OK.
 */
static enum riscv_decode_status decode_load_store(uint32_t insn, uint8_t insn_len,
                                                  struct riscv_mmio_insn *out)
{
    uint8_t width;
    bool sign_extend;

    switch (insn_opcode(insn)) {
    case OPCODE_LOAD:
        if (!load_access(insn_funct3(insn), &width, &sign_extend))
            return RISCV_DECODE_UNSUPPORTED;
        out->is_store = false;
        out->width = width;
        out->reg = (uint8_t)insn_rd(insn);
        out->sign_extend = sign_extend;
        out->insn_len = insn_len;
        return RISCV_DECODE_OK;
    case OPCODE_STORE:
        if (!store_access(insn_funct3(insn), &width))
            return RISCV_DECODE_UNSUPPORTED;
        out->is_store = true;
        out->width = width;
        out->reg = (uint8_t)insn_rs2(insn);
        out->sign_extend = false;
        out->insn_len = insn_len;
        return RISCV_DECODE_OK;
    default:
        return RISCV_DECODE_UNSUPPORTED;
    }
}

static void clear_insn(struct riscv_mmio_insn *out)
{
    *out = (struct riscv_mmio_insn){ 0 };
}

unsigned riscv_insn_length(uint16_t parcel)
{
    if ((parcel & 0x3u) != 0x3u)
        return 2;
    if ((parcel & 0x1cu) != 0x1cu)
        return 4;
    return 0;
}

enum riscv_decode_status riscv_decode_mmio_insn(uint32_t insn, struct riscv_mmio_insn *out)
{
    uint16_t parcel = (uint16_t)(insn & 0xffffu);
    uint32_t expanded;

    clear_insn(out);
    switch (riscv_insn_length(parcel)) {
    case 2:
        if (!expand_compressed(parcel, &expanded))
            return RISCV_DECODE_UNSUPPORTED;
        return decode_load_store(expanded, 2, out);
    case 4:
        return decode_load_store(insn, 4, out);
    default:
        return RISCV_DECODE_UNSUPPORTED;
    }
}

enum riscv_decode_status riscv_decode_htinst(uint64_t htinst, struct riscv_mmio_insn *out)
{
    clear_insn(out);
    /* Bits 63:32 must be zero: a future extension may put other values there. */
    if ((htinst >> 32) != 0)
        return RISCV_DECODE_UNSUPPORTED;
    /* Bit 0 clear: zero, a pseudoinstruction (bits 1:0 = 00), or an undefined value. */
    if ((htinst & 0x1u) == 0)
        return RISCV_DECODE_UNSUPPORTED;
    /* Bit 1 tells the original length; setting it gives the standard 32-bit encoding. */
    return decode_load_store((uint32_t)htinst | 0x2u, (htinst & 0x2u) ? 4 : 2, out);
}

bool riscv_htinst_is_transformed(uint64_t htinst)
{
    struct riscv_mmio_insn scratch;

    return riscv_decode_htinst(htinst, &scratch) == RISCV_DECODE_OK;
}

bool riscv_htinst_is_pseudoinsn(uint64_t htinst)
{
    switch (htinst) {
    case HTINST_PSEUDO_READ32:
    case HTINST_PSEUDO_WRITE32:
    case HTINST_PSEUDO_READ64:
    case HTINST_PSEUDO_WRITE64:
        return true;
    default:
        return false;
    }
}

/* Bits in an access of insn->width bytes (1, 2 or 4), or 0 for any other width (taken as 8). */
static unsigned narrow_bits(const struct riscv_mmio_insn *insn)
{
    switch (insn->width) {
    case 1:
    case 2:
    case 4:
        return 8u * insn->width;
    default:
        return 0;
    }
}

uint64_t riscv_mmio_sign_bit(const struct riscv_mmio_insn *insn)
{
    unsigned bits = narrow_bits(insn);

    return bits != 0 && insn->sign_extend ? UINT64_C(1) << (bits - 1) : 0;
}

uint64_t riscv_mmio_extend(const struct riscv_mmio_insn *insn, uint64_t value)
{
    unsigned bits = narrow_bits(insn);
    uint64_t sign_bit = riscv_mmio_sign_bit(insn);

    if (bits == 0)
        return value;
    value &= (UINT64_C(1) << bits) - 1;
    return (value ^ sign_bit) - sign_bit;
}
