/* SPDX-License-Identifier: MIT */
/*
 * Boot-time CSR probes: read a CSR with stvec pointing at a local handler, so a hart that lacks
 * it (illegal-instruction trap, redirected by OpenSBI) yields the trap's scause instead of a
 * keel panic. uint64_t riscv_probe_<csr>(void): 0 when the CSR exists, else scause.
 * Clobbers t0-t2.
 */
    .option arch, +h
    .text

    .globl riscv_probe_hgatp
riscv_probe_hgatp:
    lla t0, .Lprobe_fault
    csrrw t1, stvec, t0
    li a0, 0
    csrr t2, hgatp
    csrw stvec, t1
    ret

    .globl riscv_probe_stimecmp
riscv_probe_stimecmp:
    lla t0, .Lprobe_fault
    csrrw t1, stvec, t0
    li a0, 0
    csrr t2, stimecmp
    csrw stvec, t1
    ret

    .balign 4
.Lprobe_fault:
    csrr a0, scause
    csrr t0, sepc
    csrw stvec, t1
    ret
