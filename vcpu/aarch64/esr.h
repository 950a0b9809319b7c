/* SPDX-License-Identifier: MIT */
/*
 * AArch64 exception syndromes: decoding ESR_EL2 for traps from a guest, and building the
 * ESR_EL1 value of an exception keel injects into one. Arm ARM (DDI 0487) D13.2.37 / "ESR_EL2,
 * Exception Syndrome Register (EL2)" and D1 "Exception entry".
 *
 *   63      37 36  32 31    26 25 24                                 0
 *  +----------+------+--------+--+-----------------------------------+
 *  |   RES0   | ISS2 |   EC   |IL|               ISS                 |
 *  +----------+------+--------+--+-----------------------------------+
 *
 * EC (exception class) says what trapped; IL is 1 for a 32-bit instruction (always, for the
 * AArch64 traps keel handles); ISS is per class and read through the small accessors below,
 * never with raw shifts in handlers.
 *
 * Also here: the MMIO access description of a data abort, from the syndrome when ISV=1
 * (esr_dabt_to_mmio) or from the A64 load/store instruction itself when ISV=0
 * (a64_decode_mmio_insn). Pure logic: no system-register access, no global state.
 *
 * Notes for the trap handler:
 *  - HVC: ELR_EL2 already points after the HVC. A trapped SMC (HCR_EL2.TSC): ELR_EL2 points
 *    AT the SMC, so "resume after it" means ELR += 4 (Arm ARM D1, "Preferred exception return
 *    address").
 *  - A data abort with CM=1 (cache maintenance / AT instruction on an MMIO address) is not a
 *    load or store: ISV is 0 and the instruction is DC/IC/AT; skip it (KVM does the same).
 *  - An abort with S1PTW=1 happened on the guest's own stage-1 table walk, not on the access;
 *    it is not MMIO (esr_dabt_to_mmio refuses it).
 */
#ifndef KEEL_VCPU_AARCH64_ESR_H
#define KEEL_VCPU_AARCH64_ESR_H

#include <keel/types.h>

/* ---- fields common to every class ---- */

#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3fu
#define ESR_IL (1ull << 25)
#define ESR_ISS_MASK 0x1ffffffull

/* Exception classes (ESR_ELx.EC, Arm ARM D13.2.37 table "EC"). */
enum esr_ec {
    ESR_EC_UNKNOWN = 0x00,      /* unknown reason / UNDEFINED instruction */
    ESR_EC_WFX = 0x01,          /* WFI, WFE, WFIT, WFET trapped (HCR_EL2.TWI/TWE) */
    ESR_EC_CP15_32 = 0x03,      /* AArch32 MCR/MRC, coproc 0b1111 */
    ESR_EC_CP15_64 = 0x04,      /* AArch32 MCRR/MRRC, coproc 0b1111 */
    ESR_EC_CP14_MR = 0x05,      /* AArch32 MCR/MRC, coproc 0b1110 */
    ESR_EC_CP14_LS = 0x06,      /* AArch32 LDC/STC, coproc 0b1110 */
    ESR_EC_FP_ASIMD = 0x07,     /* SVE, Advanced SIMD or FP access (CPTR_EL2 trap) */
    ESR_EC_CP10_ID = 0x08,      /* AArch32 VMRS of an ID register (HCR_EL2.TID0) */
    ESR_EC_PAC = 0x09,          /* pointer authentication instruction trapped (HCR_EL2.API) */
    ESR_EC_CP14_64 = 0x0c,      /* AArch32 MRRC/MCRR, coproc 0b1110 */
    ESR_EC_BTI = 0x0d,          /* branch target exception */
    ESR_EC_ILLEGAL_STATE = 0x0e, /* illegal execution state */
    ESR_EC_SVC32 = 0x11,        /* AArch32 SVC */
    ESR_EC_HVC32 = 0x12,        /* AArch32 HVC */
    ESR_EC_SMC32 = 0x13,        /* AArch32 SMC */
    ESR_EC_SVC64 = 0x15,        /* AArch64 SVC */
    ESR_EC_HVC64 = 0x16,        /* AArch64 HVC: PSCI / SMCCC conduit "hvc" */
    ESR_EC_SMC64 = 0x17,        /* AArch64 SMC trapped (HCR_EL2.TSC): conduit "smc" */
    ESR_EC_SYS64 = 0x18,        /* MSR, MRS or system instruction trapped */
    ESR_EC_SVE = 0x19,          /* SVE access (CPTR_EL2.ZEN / TZ) */
    ESR_EC_IABT_LOW = 0x20,     /* instruction abort from a lower EL (stage-2 fault on fetch) */
    ESR_EC_IABT_CUR = 0x21,     /* instruction abort, same EL */
    ESR_EC_PC_ALIGN = 0x22,     /* PC alignment fault */
    ESR_EC_DABT_LOW = 0x24,     /* data abort from a lower EL (stage-2 fault: MMIO) */
    ESR_EC_DABT_CUR = 0x25,     /* data abort, same EL */
    ESR_EC_SP_ALIGN = 0x26,     /* SP alignment fault */
    ESR_EC_FP_EXC32 = 0x28,     /* AArch32 trapped floating-point exception */
    ESR_EC_FP_EXC64 = 0x2c,     /* AArch64 trapped floating-point exception */
    ESR_EC_SERROR = 0x2f,       /* SError interrupt */
    ESR_EC_BREAKPT_LOW = 0x30,  /* hardware breakpoint, lower EL */
    ESR_EC_SOFTSTP_LOW = 0x32,  /* software step, lower EL */
    ESR_EC_WATCHPT_LOW = 0x34,  /* watchpoint, lower EL */
    ESR_EC_BKPT32 = 0x38,       /* AArch32 BKPT */
    ESR_EC_VECTOR32 = 0x3a,     /* AArch32 vector catch */
    ESR_EC_BRK64 = 0x3c,        /* AArch64 BRK */
};

/* Exception class of `esr` (bits 31:26). */
static inline uint32_t esr_ec(uint64_t esr)
{
    return (uint32_t)(esr >> ESR_EC_SHIFT) & ESR_EC_MASK;
}

/* IL (bit 25): true when the trapping instruction was 32 bits (always for A64). */
static inline bool esr_il(uint64_t esr)
{
    return (esr & ESR_IL) != 0;
}

/* Length in bytes of the trapped instruction: 4 when IL=1, 2 (a T32 16-bit one) when IL=0. */
static inline uint32_t esr_insn_len(uint64_t esr)
{
    return esr_il(esr) ? 4 : 2;
}

/* Instruction-specific syndrome (bits 24:0). */
static inline uint32_t esr_iss(uint64_t esr)
{
    return (uint32_t)(esr & ESR_ISS_MASK);
}

/* Bits hi..lo of `esr` (hi - lo < 31), shifted down: the helper of the accessors below. */
static inline uint32_t esr_bits(uint64_t esr, unsigned hi, unsigned lo)
{
    return (uint32_t)(esr >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* ---- data abort (EC 0x24 / 0x25), D13.2.37 "ISS encoding for an exception from a Data
   Abort" ---- */

/* ISV (bit 24): bits 23:14 (SAS..AR) hold a valid instruction syndrome. */
static inline bool esr_dabt_isv(uint64_t esr)
{
    return esr_bits(esr, 24, 24) != 0;
}

/* SAS (bits 23:22): log2 of the access size: 0 byte, 1 halfword, 2 word, 3 doubleword. */
static inline uint32_t esr_dabt_sas(uint64_t esr)
{
    return esr_bits(esr, 23, 22);
}

/* SSE (bit 21): a byte/halfword/word load must sign-extend the value. */
static inline bool esr_dabt_sse(uint64_t esr)
{
    return esr_bits(esr, 21, 21) != 0;
}

/* SRT (bits 20:16): Rt of the load/store; 31 is XZR/WZR (never SP for a load/store). */
static inline uint32_t esr_dabt_srt(uint64_t esr)
{
    return esr_bits(esr, 20, 16);
}

/* SF (bit 15): the register is 64-bit (Xt) rather than 32-bit (Wt). */
static inline bool esr_dabt_sf(uint64_t esr)
{
    return esr_bits(esr, 15, 15) != 0;
}

/* AR (bit 14): the instruction had acquire/release semantics (LDAR/STLR...). */
static inline bool esr_dabt_ar(uint64_t esr)
{
    return esr_bits(esr, 14, 14) != 0;
}

/* FnV (bit 10): FAR_EL2 is NOT valid (HPFAR_EL2 still holds the faulting IPA page). */
static inline bool esr_dabt_fnv(uint64_t esr)
{
    return esr_bits(esr, 10, 10) != 0;
}

/* EA (bit 9): external abort type (implementation defined classification). */
static inline bool esr_dabt_ea(uint64_t esr)
{
    return esr_bits(esr, 9, 9) != 0;
}

/* CM (bit 8): the abort came from a cache maintenance or address translation instruction. */
static inline bool esr_dabt_cm(uint64_t esr)
{
    return esr_bits(esr, 8, 8) != 0;
}

/* The same fields as masks, for building and testing syndromes in one operation. */
#define ESR_DABT_ISV_BIT (1ull << 24)
#define ESR_DABT_SAS_SHIFT 22
#define ESR_DABT_SAS_BITS (3ull << ESR_DABT_SAS_SHIFT)
#define ESR_DABT_SSE_BIT (1ull << 21)
#define ESR_DABT_SRT_SHIFT 16
#define ESR_DABT_SF_BIT (1ull << 15)
#define ESR_DABT_CM_BIT (1ull << 8)
#define ESR_DABT_S1PTW_BIT (1ull << 7)
#define ESR_DABT_WNR_BIT (1ull << 6)

/* S1PTW (bit 7): stage-2 fault on a stage-1 translation table walk (not on the access). */
static inline bool esr_dabt_s1ptw(uint64_t esr)
{
    return esr_bits(esr, 7, 7) != 0;
}

/* WnR (bit 6): the access was a write (a store; also set for CM=1). */
static inline bool esr_dabt_wnr(uint64_t esr)
{
    return esr_bits(esr, 6, 6) != 0;
}

/* Data / instruction fault status codes (DFSC / IFSC, bits 5:0). */
enum esr_fsc {
    ESR_FSC_ADDR_SIZE = 0x00,   /* address size fault, level 0 (+ level for 0x01-0x03) */
    ESR_FSC_TRANSLATION = 0x04, /* translation fault, level 0 (+ level: 0x04-0x07) */
    ESR_FSC_ACCESS = 0x08,      /* access flag fault, level 0 (+ level: 0x08-0x0b) */
    ESR_FSC_PERMISSION = 0x0c,  /* permission fault, level 0 (+ level: 0x0c-0x0f) */
    ESR_FSC_EXTABT = 0x10,      /* synchronous external abort, not on a table walk */
    ESR_FSC_ALIGNMENT = 0x21,   /* alignment fault */
};
#define ESR_FSC_TYPE_MASK 0x3cu /* DFSC & this: the fault type without the level */

/* DFSC (bits 5:0) of a data abort. */
static inline uint32_t esr_dabt_dfsc(uint64_t esr)
{
    return esr_bits(esr, 5, 0);
}

/* IFSC (bits 5:0) of an instruction abort (EC 0x20 / 0x21); same encoding as DFSC. */
static inline uint32_t esr_iabt_ifsc(uint64_t esr)
{
    return esr_bits(esr, 5, 0);
}

/* ---- MSR / MRS / system instruction (EC 0x18), D13.2.37 "ISS encoding for an exception from
   MSR, MRS, or System instruction execution in AArch64 state" ----
   ISS: Op0 [21:20] Op2 [19:17] Op1 [16:14] CRn [13:10] Rt [9:5] CRm [4:1] Direction [0] */

/* Op0 (ISS bits 21:20). */
static inline uint32_t esr_sys_op0(uint64_t esr)
{
    return esr_bits(esr, 21, 20);
}

/* Op2 (ISS bits 19:17). */
static inline uint32_t esr_sys_op2(uint64_t esr)
{
    return esr_bits(esr, 19, 17);
}

/* Op1 (ISS bits 16:14). */
static inline uint32_t esr_sys_op1(uint64_t esr)
{
    return esr_bits(esr, 16, 14);
}

/* CRn (ISS bits 13:10). */
static inline uint32_t esr_sys_crn(uint64_t esr)
{
    return esr_bits(esr, 13, 10);
}

/* Rt (bits 9:5): the general-purpose register transferred; 31 is XZR. */
static inline uint32_t esr_sys_rt(uint64_t esr)
{
    return esr_bits(esr, 9, 5);
}

/* CRm (ISS bits 4:1). */
static inline uint32_t esr_sys_crm(uint64_t esr)
{
    return esr_bits(esr, 4, 1);
}

/* Direction (bit 0): true for a read (MRS, Rt <- sysreg), false for a write (MSR / SYS). */
static inline bool esr_sys_is_read(uint64_t esr)
{
    return esr_bits(esr, 0, 0) != 0;
}

/* The (Op0, Op1, CRn, CRm, Op2) key of a system register, laid out as in the ISS so that
   esr_sys_id() of a trap can be compared with it (usable in case labels). */
#define ESR_SYS_ID(op0, op1, crn, crm, op2)                                                      \
    (((uint32_t)(op0) << 20) | ((uint32_t)(op2) << 17) | ((uint32_t)(op1) << 14) |               \
     ((uint32_t)(crn) << 10) | ((uint32_t)(crm) << 1))
#define ESR_SYS_ID_MASK 0x3ffc1eu /* the ISS without Rt and Direction */

/* The system register a trapped MSR/MRS names, comparable with ESR_SYS_ID(...). */
static inline uint32_t esr_sys_id(uint64_t esr)
{
    return esr_iss(esr) & ESR_SYS_ID_MASK;
}

/* ---- HVC / SMC (EC 0x16 / 0x17): imm16 (bits 15:0) of the instruction ---- */

/* The imm16 of HVC #imm / SMC #imm (PSCI and SMCCC calls use 0). */
static inline uint32_t esr_hvc_imm16(uint64_t esr)
{
    return esr_bits(esr, 15, 0);
}

/* ---- WFx (EC 0x01): TI (bits 1:0) says which instruction ---- */

enum esr_wfx_ti { ESR_WFX_WFI = 0, ESR_WFX_WFE = 1, ESR_WFX_WFIT = 2, ESR_WFX_WFET = 3 };

/* Which WFx trapped: enum esr_wfx_ti. */
static inline uint32_t esr_wfx_ti(uint64_t esr)
{
    return esr_bits(esr, 1, 0);
}

/* ---- functions (esr.c) ---- */

/* True for the exception classes only an AArch32 guest can raise (CP14/CP15 accesses, VMRS,
   SVC32/HVC32/SMC32, FP32 exceptions, BKPT, vector catch): keel runs AArch64 guests only and
   injects UNDEF for them. Arm ARM D13.2.37 table "EC". */
bool esr_ec_is_aarch32(uint32_t ec);

/* Short name of exception class `ec` for diagnostics ("DABT_LOW"), "?" for an unallocated one.
   Never NULL. */
const char *esr_ec_name(uint32_t ec);

/* One load or store to emulate, in the terms of the A64 instruction. */
struct a64_mmio_access {
    bool is_write;
    uint8_t width;      /* bytes: 1, 2, 4, 8 */
    uint8_t reg;        /* Rt 0..30; 31 = XZR/WZR (a store writes 0, a load's result is dropped) */
    bool sign_extend;   /* loads: sign-extend the `width` bytes read (LDRS*) */
    bool sixty_four;    /* Rt is Xt (SF=1); else Wt: a load writes bits 63:32 as zero */
    bool writeback;     /* pre/post-index: after the access, base_reg += offset */
    uint8_t base_reg;   /* writeback only: Rn 0..30; 31 = the guest's current SP */
    int16_t offset;     /* writeback only: the signed imm9, bytes */
};

enum a64_decode_status { A64_DECODE_OK = 0, A64_DECODE_UNSUPPORTED = 1 };

/*
 * Describe the access of a data abort from its syndrome (ESR_EL2 with ISV=1). On A64_DECODE_OK
 * *out holds is_write (WnR), width (1 << SAS), reg (SRT), sign_extend (SSE, loads only) and
 * sixty_four (SF); writeback is false (the architecture gives ISV=1 only for accesses without
 * writeback). Returns A64_DECODE_UNSUPPORTED, with *out zeroed, when EC is not a data abort
 * from a lower EL, ISV=0 (decode the instruction with a64_decode_mmio_insn), S1PTW=1 or CM=1
 * (not an access by the instruction), or SAS=3 with SF=0 (8 bytes into a W register cannot be
 * produced by any instruction). out must not be NULL.
 * Arm ARM D13.2.37 "ISS encoding for an exception from a Data Abort".
 */
enum a64_decode_status esr_dabt_to_mmio(uint64_t esr, struct a64_mmio_access *out);

/*
 * The syndrome the hardware gives with ISV=1 for the access `acc` (a64_decode_mmio_insn's
 * result for an ISV=0 abort): EC 0x24, IL=1, ISV=1, SAS = log2(width), SSE = sign_extend,
 * SRT = reg, SF = sixty_four, WnR = is_write; everything else 0. So one emulation path reads
 * every access through the esr_dabt_* accessors. acc->writeback has no ISS field: the caller
 * handles (or refuses) writeback. acc->width must be 1, 2, 4 or 8; no error cases.
 * Arm ARM D13.2.37 "ISS encoding for an exception from a Data Abort".
 */
uint64_t esr_dabt_from_access(const struct a64_mmio_access *acc);

/*
 * Decode the A64 instruction `insn` (read from guest memory at ELR_EL2) of a data abort with
 * ISV=0 into an MMIO access. Supported: the general-purpose register loads/stores of all sizes
 * LDR/STR{B,H,} LDRS{B,H,W} to W and X, in every addressing form: unsigned offset, unscaled
 * (LDUR/STUR), pre- and post-index (writeback reported in *out), register offset (any
 * extend/shift), and unprivileged LDTR/STTR. A64_DECODE_UNSUPPORTED, with *out zeroed, for
 * everything else, in particular load/store pair (LDP/STP/LDNP/LDPSW), SIMD&FP registers,
 * exclusives and load-acquire/store-release (LDXR/STXR/LDAR/STLR/LDAPR/LDAPUR/STLUR), atomics
 * (LDADD/SWP/CAS...), pointer-authenticated LDRAA/LDRAB, PRFM/PRFUM, literal loads,
 * unallocated encodings, and writeback forms whose Rt equals Rn (CONSTRAINED UNPREDICTABLE).
 * out must not be NULL.
 * Arm ARM C4.1 "A64 instruction set encoding" / "Loads and Stores" (classes "Load/store register
 * (unsigned immediate)", "(unscaled immediate)", "(immediate post-indexed)", "(immediate
 * pre-indexed)", "(register offset)", "(unprivileged)").
 */
enum a64_decode_status a64_decode_mmio_insn(uint32_t insn, struct a64_mmio_access *out);

/*
 * The register value of a load of `width` bytes (1, 2, 4 or 8) from `value` (the low bytes;
 * the rest is ignored): sign-extended when `sign_extend`, zero-extended otherwise, then bits
 * 63:32 cleared when the destination is a W register (!sixty_four). With sign_extend false it
 * also gives the data of a store: the register value truncated to the width. Cannot fail.
 * Arm ARM C6.2 LDRSB/LDRSH/LDRSW/LDR ("writes ... to a 32-bit register ... upper 32 bits zero").
 */
static inline uint64_t a64_load_extend(uint64_t value, uint32_t width, bool sign_extend,
                                       bool sixty_four)
{
    /* keep the low `width` bytes: move them to the top and back with the right kind of shift;
       the count 64 - 8 * width is taken mod 64, so width 8 shifts by 0 */
    unsigned shift = (0u - 8u * width) & 63u;
    value = sign_extend ? (uint64_t)((int64_t)(value << shift) >> shift)
                        : (value << shift) >> shift;
    return sixty_four ? value : value & UINT32_MAX;
}

/*
 * ESR_EL1 for an UNDEFINED instruction exception keel injects: EC 0x00 with IL=1 (IL is RES1
 * for EC 0x00), ISS 0. No error cases. Arm ARM D13.2.37 (EC 0b000000; "IL ... RES1 for ...
 * an exception reported using EC value 0b000000"); KVM inject_undef64 does the same.
 */
uint64_t esr_el1_undef(void);

/*
 * ESR_EL1 for a synchronous external data abort keel injects for an access the guest made
 * while its PSTATE was `guest_spsr` (SPSR_EL2 at the trap): EC 0x25 (same EL) when the guest
 * was at EL1, 0x24 (lower EL) when at EL0 or in AArch32, since the guest's handler runs at EL1;
 * IL=1 (RES1 with ISV=0), ISV=0, WnR = is_write, DFSC 0x10. The caller also sets FAR_EL1 to the
 * faulting virtual address (FAR_EL2). No error cases.
 * Arm ARM D13.2.37 (EC 0b100100 / 0b100101, ISS encoding for a Data Abort); KVM inject_abt64.
 */
uint64_t esr_el1_data_abort(uint64_t guest_spsr, bool is_write);

/*
 * ESR_EL1 for a synchronous external instruction abort keel injects for a fetch made with
 * PSTATE `guest_spsr`: EC 0x21 from EL1, 0x20 from EL0/AArch32; IL=1 (RES1 for instruction
 * aborts), IFSC 0x10. FAR_EL1 must be set by the caller. No error cases.
 * Arm ARM D13.2.37 (EC 0b100000 / 0b100001, ISS encoding for an Instruction Abort).
 */
uint64_t esr_el1_insn_abort(uint64_t guest_spsr);

#endif
