/* SPDX-License-Identifier: MIT */
/*
 * The RISC-V guest platform, laid out like QEMU's "virt" machine so stock kernels and DTSs fit:
 *   0x0c000000  virtual PLIC (riscv,ndev = 95, one S-mode context per vCPU)
 *   0x10000000  virtual ns16550a UART, PLIC source 10
 *   0x10001000  inter-VM doorbell (hyp/vdev/doorbell.c), PLIC source 11
 * Pass-through devices (hyp/passthrough.c) may use any other source 1..95.
 * The DTS files under configs/qemu-virt-riscv64 describe the same addresses to the guest.
 */
#include <keel/console.h>
#include <keel/passthrough.h>
#include <keel/vdev/doorbell.h>
#include <keel/vdev/uart16550.h>
#include <keel/vdev/vplic.h>
#include <keel/vplat.h>

#define VPLAT_PLIC_GPA 0x0c000000ull
#define VPLAT_PLIC_NDEV 95
#define VPLAT_UART_GPA 0x10000000ull
#define VPLAT_UART_IRQ 10
#define VPLAT_DOORBELL_GPA 0x10001000ull
#define VPLAT_DOORBELL_IRQ 11

struct vplat_riscv {
    struct vm *vm;
    struct vuart16550 uart;
    struct vplic plic;
    struct doorbell doorbell;
    uint32_t passthrough[(VPLAT_PLIC_NDEV + 32) / 32]; /* bitmap: sources of pass-through devices */
};

static struct vplat_riscv vplats[KEEL_MAX_VMS];

static void uart_tx(void *ctx, uint8_t byte)
{
    struct vplat_riscv *p = ctx;
    console_guest_putc(p->vm->id, byte);
}

static void uart_irq(void *ctx, bool level)
{
    struct vplat_riscv *p = ctx;
    vplic_set_level(&p->plic, VPLAT_UART_IRQ, level);
}

/* a PLIC context (= vCPU) gained or lost a claimable interrupt: its VSEIP line */
static void plic_notify(void *ctx, uint32_t context, bool pending)
{
    struct vplat_riscv *p = ctx;
    if (context < p->vm->nr_vcpus)
        vcpu_arch_set_ext_irq(&p->vm->vcpus[context], pending);
}

/* the guest completed a source: pass-through ones re-open the host's delivery */
static void plic_completed(void *ctx, uint32_t source)
{
    struct vplat_riscv *p = ctx;
    if (p->passthrough[source / 32] & (1u << (source % 32)))
        passthrough_guest_done(p->vm, source);
}

static void doorbell_irq(void *ctx, bool level)
{
    struct vplat_riscv *p = ctx;
    vplic_set_level(&p->plic, VPLAT_DOORBELL_IRQ, level);
}

static void doorbell_ring(void *ctx, uint32_t target)
{
    struct vplat_riscv *p = ctx;
    vm_doorbell_ring(p->vm, target);
}

/* input waiting for the UART's FIFO (called on RBR reads, under vm->lock) */
static int uart_pull(void *ctx)
{
    struct vplat_riscv *p = ctx;
    return vm_console_getc(p->vm);
}

int vplat_create(struct vm *vm, char *err, size_t errlen)
{
    struct vplat_riscv *p = &vplats[vm->id];
    p->vm = vm;
    vm->vplat = p;
    vm->doorbell = &p->doorbell;
    vplat_reset(vm);
    if (vm_add_mmio(vm, VPLAT_UART_GPA, VUART16550_WINDOW_SIZE, &vuart16550_ops, &p->uart) ||
        vm_add_mmio(vm, VPLAT_PLIC_GPA, vplic_window_size(vm->nr_vcpus), &vplic_ops, &p->plic) ||
        vm_add_mmio(vm, VPLAT_DOORBELL_GPA, DOORBELL_WINDOW_SIZE, &doorbell_ops, &p->doorbell)) {
        ksnprintf(err, errlen, "VM '%s': its RAM, shmem or a pass-through window overlaps the PLIC, UART or doorbell window",
                  vm->name);
        return -1;
    }
    return 0;
}

void vplat_reset(struct vm *vm)
{
    struct vplat_riscv *p = vm->vplat;
    vuart16550_init(&p->uart, uart_tx, uart_irq, uart_pull, p);
    vplic_init(&p->plic, VPLAT_PLIC_NDEV, vm->nr_vcpus, plic_notify, p);
    vplic_set_complete_hook(&p->plic, plic_completed);
    /* The new PLIC has nothing claimable, but vplic_init tells no one: drop every vCPU's
       external line, or a level the old PLIC left high (a VM that rebooted while, say, its
       UART interrupt was pending) stays asserted with nothing to claim, and the new boot
       takes external interrupts forever. */
    for (uint32_t i = 0; i < vm->nr_vcpus; i++)
        vcpu_arch_set_ext_irq(&vm->vcpus[i], false);
    doorbell_init(&p->doorbell, vm->id, doorbell_ring, doorbell_irq, p);
}

int vplat_passthrough_irq(struct vm *vm, uint32_t guest_irq, char *err, size_t errlen)
{
    struct vplat_riscv *p = vm->vplat;
    if (guest_irq < 1 || guest_irq > VPLAT_PLIC_NDEV) {
        ksnprintf(err, errlen, "the guest PLIC has sources 1..%u", VPLAT_PLIC_NDEV);
        return -1;
    }
    if (guest_irq == VPLAT_UART_IRQ || guest_irq == VPLAT_DOORBELL_IRQ) {
        ksnprintf(err, errlen, "guest PLIC source %u is keel's virtual %s", guest_irq,
                  guest_irq == VPLAT_UART_IRQ ? "UART" : "doorbell");
        return -1;
    }
    p->passthrough[guest_irq / 32] |= 1u << (guest_irq % 32);
    return 0;
}

void vplat_set_irq_level(struct vm *vm, uint32_t guest_irq, bool level)
{
    struct vplat_riscv *p = vm->vplat;
    vplic_set_level(&p->plic, guest_irq, level);
}

bool vplat_console_input(struct vm *vm, uint8_t byte)
{
    struct vplat_riscv *p = vm->vplat;
    return vuart16550_rx_push(&p->uart, byte);
}
