/* SPDX-License-Identifier: MIT */
/*
 * RISC-V load/store decoding for MMIO emulation.
 *
 * A guest load or store to an unbacked guest-physical address traps into HS-mode as a load or
 * store/AMO guest-page fault (scause 21 / 23). To emulate the access keel needs to know its
 * direction, width, register and signedness, and how far to advance sepc. That comes either
 * from htinst (a "transformed" copy of the trapping instruction written by the hart) or, when
 * htinst is zero, from the instruction itself read from guest memory. This module turns
 * either into a struct riscv_mmio_insn. It is pure logic: no CSR access, no global state.
 *
 * The guest is assumed to be RV64 (VSXLEN=64): LD/SD/LWU/C.LD/C.SD/C.LDSP/C.SDSP are decoded
 * as RV64 instructions (on RV32 the compressed encodings mean C.FLW/C.FSW/C.FLWSP/C.FSWSP).
 *
 * Supported: LB LH LW LD LBU LHU LWU, SB SH SW SD; C.LW C.LD C.SW C.SD C.LWSP C.LDSP C.SWSP
 * C.SDSP; and the Zcb loads/stores C.LBU C.LHU C.LH C.SB C.SH. Everything else, in particular
 * floating-point loads/stores, atomics (AMO*, LR, SC), hypervisor loads/stores (HLV/HSV) and
 * reserved encodings, is RISCV_DECODE_UNSUPPORTED: the hypervisor then injects a fault.
 *
 * Expected use on a load or store/AMO guest-page fault:
 *   if (riscv_htinst_is_pseudoinsn(htinst))      -> implicit VS-stage page-table access: not
 *                                                    an MMIO instruction, do not decode sepc;
 *   else if (riscv_htinst_is_transformed(htinst)) -> riscv_decode_htinst(htinst, &insn);
 *   else                                          -> fetch the instruction at sepc (first
 *                                                    parcel, riscv_insn_length(), then the
 *                                                    second parcel) and riscv_decode_mmio_insn().
 */
#ifndef KEEL_VCPU_RISCV64_INSN_H
#define KEEL_VCPU_RISCV64_INSN_H

#include <keel/types.h>

/* One decoded guest MMIO access. */
struct riscv_mmio_insn {
    bool is_store;
    uint8_t width;    /* bytes: 1, 2, 4, 8 */
    uint8_t reg;      /* x-register number 0..31: destination for loads, source for stores */
    bool sign_extend; /* loads only: LB/LH/LW sign-extend; LBU/LHU/LWU/LD do not */
    uint8_t insn_len; /* bytes of the ORIGINAL instruction: 2 (compressed) or 4; sepc advances by this */
};

enum riscv_decode_status { RISCV_DECODE_OK = 0, RISCV_DECODE_UNSUPPORTED = 1 };

/*
 * Decode a raw guest instruction, as fetched from guest memory, into an MMIO access.
 * insn: the instruction; when its low two bits are not 0b11 it is a 16-bit compressed
 * instruction and only bits 15:0 are looked at (bits 31:16 may hold the next instruction).
 * On RISCV_DECODE_OK, *out describes the access (insn_len 2 or 4 bytes). Returns
 * RISCV_DECODE_UNSUPPORTED, with *out zeroed, for anything that is not a supported integer
 * load/store: FP loads/stores, atomics, non-memory instructions, instructions longer than
 * 32 bits, and reserved encodings (LOAD funct3 111, STORE funct3 1xx, C.LWSP/C.LDSP with
 * rd=x0, Zcb C.SH with bit 6 set, quadrant-0 funct3 100 with bits 12:10 = 1xx).
 * out must not be NULL.
 * Implements: Unprivileged ISA, "RV32I Base Integer Instruction Set" / "Load and Store
 * Instructions", "RV64I" / "Load and Store Instructions", "C" Standard Extension / "Load and
 * Store Instructions" (CL, CS, CI, CSS formats), and "Zcb" (c.lbu, c.lhu, c.lh, c.sb, c.sh).
 */
enum riscv_decode_status riscv_decode_mmio_insn(uint32_t insn, struct riscv_mmio_insn *out);

/*
 * Decode the htinst value of a load or store/AMO guest-page fault into an MMIO access.
 * htinst must hold the transformation of a standard integer load/store: bits 63:32 zero,
 * bit 0 set; bits 1:0 = 0b11 when the trapping instruction was 32-bit (insn_len 4) and 0b01
 * when it was compressed (insn_len 2; the value is the transformed 32-bit expansion with
 * bit 1 cleared). The Addr. Offset field (bits 19:15) and the zeroed immediate fields are
 * ignored, as the spec allows. On RISCV_DECODE_OK, *out describes the access. Returns
 * RISCV_DECODE_UNSUPPORTED, with *out zeroed, for 0, the pseudoinstructions (bits 1:0 = 0b00),
 * any value with bits 63:32 nonzero or bits 1:0 = 0b10, and transformed FP loads/stores,
 * atomics, HLV/HSV or reserved load/store encodings. out must not be NULL.
 * Implements: Privileged Architecture, "H" Extension, "Traps" / "Transformed Instruction or
 * Pseudoinstruction for mtinst or htinst" (section 8.6.3 of version 20211203).
 */
enum riscv_decode_status riscv_decode_htinst(uint64_t htinst, struct riscv_mmio_insn *out);

/*
 * Extend a value read from a device to the 64-bit register value for a decoded access:
 * the low insn->width bytes of value are kept and, when insn->sign_extend is set, bit
 * (8 * width - 1) is copied into the bits above; otherwise they are zero. For a store
 * description (sign_extend false) this yields the store data truncated to the access width.
 * A width other than 1, 2 or 4 is treated as 8 (value returned unchanged). Cannot fail.
 * Implements: Unprivileged ISA, "RV64I" / "Load and Store Instructions" (LB/LH/LW sign-extend
 * to XLEN, LBU/LHU/LWU zero-extend).
 */
uint64_t riscv_mmio_extend(const struct riscv_mmio_insn *insn, uint64_t value);

/*
 * The sign bit a load's value is extended from: bit (8 * width - 1) when insn->sign_extend is
 * set and the width is 1, 2 or 4 bytes, else 0 (zero-extending loads, LD, stores). For a value
 * zero-extended from the access width, (value ^ s) - s with s = this bit is the register value
 * riscv_mmio_extend() gives. Cannot fail.
 * Implements: Unprivileged ISA, "RV64I" / "Load and Store Instructions".
 */
uint64_t riscv_mmio_sign_bit(const struct riscv_mmio_insn *insn);

/*
 * True when htinst holds a transformed standard load/store that riscv_decode_htinst()
 * accepts (exactly when it would return RISCV_DECODE_OK); false for 0, the pseudoinstructions,
 * and every value riscv_decode_htinst() rejects (the caller then decodes the instruction
 * fetched from guest memory instead). No error cases.
 * Implements: Privileged Architecture, "H" Extension, "Transformed Instruction or
 * Pseudoinstruction for mtinst or htinst" (section 8.6.3 of version 20211203).
 */
bool riscv_htinst_is_transformed(uint64_t htinst);

/*
 * True when htinst is one of the special pseudoinstruction values written for a guest-page
 * fault caused by an implicit memory access for VS-stage address translation: 0x00002000 /
 * 0x00002020 (32-bit read / write, VSXLEN=32) or 0x00003000 / 0x00003020 (64-bit read /
 * write, VSXLEN=64). The fault is then about the guest's page tables, not about the
 * instruction at sepc, which must not be decoded as the MMIO access. No error cases.
 * Implements: Privileged Architecture, "H" Extension, "Transformed Instruction or
 * Pseudoinstruction for mtinst or htinst", table "Special pseudoinstruction values for
 * guest-page faults" (section 8.6.3 of version 20211203).
 */
bool riscv_htinst_is_pseudoinsn(uint64_t htinst);

/*
 * Length in bytes of an instruction given its first (lowest-addressed) 16-bit parcel:
 * 2 when bits 1:0 != 0b11, 4 when bits 1:0 == 0b11 and bits 4:2 != 0b111. Returns 0 for the
 * longer (48-bit and up) encodings, which keel does not decode; no load/store is longer than
 * 32 bits, so the caller treats 0 as RISCV_DECODE_UNSUPPORTED.
 * Implements: Unprivileged ISA, "Introduction" / "Base Instruction-Length Encoding".
 */
unsigned riscv_insn_length(uint16_t parcel);

#endif
