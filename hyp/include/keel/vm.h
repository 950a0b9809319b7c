/* SPDX-License-Identifier: MIT */
/* VMs and vCPUs: what hyp/ knows about them, and the hooks each ISA's vcpu/ layer provides. */
#ifndef KEEL_VM_H
#define KEEL_VM_H

#include <keel/types.h>
#include <keel/spinlock.h>
#include <keel/vdev.h>
#include <keel/image.h>
#include <stdatomic.h>
#include <vcpu_arch.h>

#define KEEL_MAX_VMS 4
#define KEEL_MAX_VCPUS 8
#define KEEL_MAX_HARTS 8
#define KEEL_MAX_MMIO 8

enum vcpu_state {
    VCPU_OFF = 0,      /* never started or stopped (SBI HSM STOPPED / PSCI OFF) */
    VCPU_RUNNABLE = 1, /* runs or may run */
    VCPU_BLOCKED = 2,  /* WFI / suspend: runnable again once an interrupt is pending */
};

/* Cross-hart requests to a vCPU (bits of vcpu.requests), served on its hart before it runs. */
#define VCPU_REQ_KICK (1u << 0)      /* re-evaluate state (interrupt became pending, started) */
#define VCPU_REQ_TLB_FLUSH (1u << 1) /* flush this VM's guest TLB entries on that hart */
#define VCPU_REQ_START (1u << 2)     /* reset to start_entry/start_arg before running */
#define VCPU_REQ_DEVICES (1u << 3)   /* re-sync device interrupt lines (inter-VM doorbell) */

struct vm;
struct doorbell;

struct vcpu {
    struct vcpu_arch arch; /* first member (see vcpu_arch.h) */
    struct vm *vm;
    uint32_t id;           /* index in the VM == the guest's hart id / MPIDR Aff0 */
    uint32_t pcpu;         /* physical hart index it is pinned to */
    _Atomic uint32_t state;
    _Atomic uint32_t requests;
    struct spinlock start_lock; /* serialises vcpu_try_start() on this vCPU */
    gpa_t start_entry;     /* VCPU_REQ_START arguments */
    uint64_t start_arg;
    bool suspended;        /* BLOCKED by SBI HSM suspend / PSCI CPU_SUSPEND (not plain WFI) */
    bool resume_reset;     /* non-retentive suspend: restart at resume_entry on wake-up */
    bool new_boot;         /* set by vm_reload(): the next reset starts a new boot of the VM,
                              whose device models were reset (AArch64: what the old boot left
                              in the list registers is dropped, not handed back to them) */
    gpa_t resume_entry;
    uint64_t resume_arg;
    const struct mmio_region *mmio_last; /* the region of its last MMIO exit, tried first
                                            (hyp/exit.c); never NULL: &vm->mmio[0] at first */
};

struct mmio_region {
    gpa_t gpa;
    uint64_t size;
    const struct vdev_ops *ops;
    void *dev;
};

enum vm_state { VM_RUNNING = 0, VM_SHUTDOWN = 1, VM_REBOOT = 2 };

struct vm {
    uint32_t id;
    char name[32];
    gpa_t ram_gpa;
    uint64_t ram_size;    /* bytes */
    hpa_t ram_hpa;
    hpa_t stage2_root;
    uint16_t vmid;
    uint32_t nr_vcpus;
    struct vcpu vcpus[KEEL_MAX_VCPUS];
    struct mmio_region mmio[KEEL_MAX_MMIO];
    uint32_t nr_mmio;
    struct spinlock lock;  /* serialises the VM's device models */
    _Atomic uint32_t state;
    void *vplat;           /* the virtual platform's device instances (hyp/vplat_*.c) */
    const struct vm_config *cfg;
    gpa_t entry;           /* kernel entry GPA */
    gpa_t dtb_gpa;         /* the finished guest DTB */
    bool sstc;             /* RISC-V: the guest owns vstimecmp */
    bool reported;         /* its shutdown has been announced */
    uint32_t boot_count;   /* times its images were loaded (reboots), mixed into its rng-seed */
    struct doorbell *doorbell; /* its inter-VM doorbell (set by vplat_create) */
    const void *bundle;    /* the image bundle, kept for reboots */
    uint64_t bundle_size;
};

extern struct vm vms[KEEL_MAX_VMS];
extern uint32_t nr_vms;

struct scenario;
/* Create every VM of the scenario from the bundle (RAM, stage-2, devices, images). Returns 0, or
   -1 with the first error in err (naming the VM and file); then no VM may be started. */
int vms_create(const struct scenario *sc, const void *bundle, uint64_t bundle_size, char *err,
               size_t errlen);

/* Next console input byte queued for `vm` (keyboard input while the VM has the focus), or -1.
   Consumers hold vm->lock. */
int vm_console_getc(struct vm *vm);

/* Read the physical console, handle the focus escape (Ctrl-A three times) and queue input for
   the VM in focus; called on console interrupts and from idle harts. */
void console_poll_input(void);

/* Reload a rebooting VM's images into its RAM from the bundle and reset its devices; 0 or -1
   (reported on the console). */
int vm_reload(struct vm *vm);

/* Reset vCPU 0 of `vm` to the kernel entry and make it runnable. */
void vm_start(struct vm *vm);

/* Host pointer to `len` bytes of guest RAM at `gpa`, or NULL when any byte lies outside the
   VM's RAM (no wrap-around). Guest-controlled addresses go through this check. */
void *vm_gpa_to_hva(struct vm *vm, gpa_t gpa, uint64_t len);

/* Register a device model at [gpa, gpa+size) of `vm`; returns 0, or -1 when the table is full or
   the window overlaps RAM or another device (a configuration error). */
int vm_add_mmio(struct vm *vm, gpa_t gpa, uint64_t size, const struct vdev_ops *ops, void *dev);

/* Map [gpa, gpa+size) of `vm`'s stage 2 to host [hpa, hpa+size) with permissions `prot` (S2_*),
   allocating tables from keel's memory. Returns 0, or -1 (stage2_map's errors: misaligned,
   beyond the limit, already mapped, out of memory). Boot and create time only. */
int vm_stage2_map(struct vm *vm, gpa_t gpa, hpa_t hpa, uint64_t size, uint32_t prot);

/* The vCPU running on the calling hart, or NULL. */
struct vcpu *current_vcpu(void);

/* Make `v` notice a state change (interrupt pending, start, fence) soon: `request` is or-ed into
   v->requests (v's hart serves them before v next enters its guest). Unless v is what its hart
   runs, that hart is asked to choose again (sched_request_resched). Its hart gets a physical IPI
   unless it is the calling hart and v is running there or nothing is. Callable from any hart. */
void vcpu_kick(struct vcpu *v, uint32_t request);

/* Start vCPU `target` if it is OFF (SBI HSM hart_start, PSCI CPU_ON): it becomes RUNNABLE and
   resets itself to `entry` (GPA) with `arg` on its own hart before it next runs, so no hart ever
   writes another vCPU's registers. Returns false (nothing changed) when it is not OFF. */
bool vcpu_try_start(struct vcpu *target, gpa_t entry, uint64_t arg);

/* The inter-VM doorbell of `from` was rung for VM `target` (an index; no such VM: ignored):
   target's PENDING bit for `from` is set lock-free and one of its vCPUs is asked to bring the
   line into its interrupt controller (VCPU_REQ_DEVICES); ringing oneself syncs at once (the
   caller holds from->lock). */
void vm_doorbell_ring(struct vm *from, uint32_t target);

/* Serve the ISA-neutral request bits `req` of v (VCPU_REQ_DEVICES), on v's hart; each ISA's run
   loop calls it with the bits it took from v->requests. */
void hyp_serve_requests(struct vcpu *v, uint32_t req);

/* Stop the whole VM (SBI SRST / PSCI SYSTEM_OFF or RESET): `state` is VM_SHUTDOWN or VM_REBOOT. */
void vm_request_stop(struct vm *vm, enum vm_state state);

/* --- hooks each ISA provides (vcpu/<isa>/vcpu.c) --- */

/* Put `v` in its architectural reset state, starting at guest address `entry` (GPA) with the
   boot arguments of the ISA's protocol (RISC-V: a0 = hart id, a1 = arg; Arm: x0 = arg). */
void vcpu_arch_reset(struct vcpu *v, gpa_t entry, uint64_t arg);

/* Run `v` on the calling hart until it blocks, stops or its VM stops. */
void vcpu_arch_run(struct vcpu *v);

/* Set or clear the guest's external-interrupt line of `v` (RISC-V hvip.VSEIP). Callable from any
   hart: the line is latched in v and applied on v's hart. */
void vcpu_arch_set_ext_irq(struct vcpu *v, bool level);

/* Raise the guest's software interrupt of `v` (RISC-V hvip.VSSIP; SBI IPI). */
void vcpu_arch_raise_soft_irq(struct vcpu *v);

/* Per-VM set-up of a new vCPU (reads vm->sstc etc.), before any reset. */
void vcpu_arch_setup(struct vcpu *v);

/* Which kind of kernel Image this ISA's guests boot. */
enum image_arch vcpu_arch_image_kind(void);

/* keel wrote [hva, hva+len) of a guest's RAM (kernel, initrd, DTB): make it what a guest that
   starts with its MMU and caches off reads and executes (Arm: clean and invalidate the data
   cache to the point of coherency, invalidate the instruction cache, Arm ARM D7.4; RISC-V:
   fence.i, as the guest's harts fence again when they start). */
void arch_guest_image_written(const void *hva, uint64_t len);

/* Send the physical IPI that makes hart `pcpu_index` look at its vCPUs' requests; it may be the
   calling hart (it then traps as soon as it re-enters a guest). */
void arch_send_ipi(uint32_t pcpu_index);

/* Does `v` have an interrupt pending that its guest has enabled (RISC-V: in vsie; the wake-up
   condition of WFI, global enables ignored)? Called on v's own hart only. */
bool vcpu_arch_irq_pending(struct vcpu *v);

#endif
