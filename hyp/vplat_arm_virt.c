/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 guest platform, laid out like QEMU's "virt" machine so stock kernels and DTSs fit:
 *   0x08000000  virtual GICv2 distributor (model, hyp/vdev/vgic_dist.c), 64 SPIs
 *   0x08010000  GICv2 CPU interface = the hardware GICV page, mapped by stage 2 (no exits)
 *   0x09000000  virtual PL011 UART, SPI 1 (INTID 33)
 *   0x09010000  inter-VM doorbell (hyp/vdev/doorbell.c), SPI 2 (INTID 34)
 * Pass-through devices (hyp/passthrough.c) may use any other SPI (INTIDs 32..95).
 * The DTS files under configs/qemu-virt-aarch64 describe the same addresses to the guest.
 */
#include <keel/console.h>
#include <keel/passthrough.h>
#include <keel/pcpu.h>
#include <keel/platform.h>
#include <keel/stage2.h>
#include <keel/vdev/doorbell.h>
#include <keel/vdev/pl011.h>
#include <keel/vdev/vgic_dist.h>
#include <keel/vplat.h>

#define VPLAT_GICD_GPA 0x08000000ull
#define VPLAT_GICC_GPA 0x08010000ull
#define VPLAT_GICC_SIZE 0x2000ull
#define VPLAT_UART_GPA 0x09000000ull
#define VPLAT_UART_INTID 33
#define VPLAT_DOORBELL_GPA 0x09010000ull
#define VPLAT_DOORBELL_INTID 34
#define VPLAT_NR_SPIS 64

struct vplat_arm {
    struct vm *vm;
    struct vpl011 uart;
    struct vgicd gicd;
    struct doorbell doorbell;
    uint64_t passthrough; /* bitmap: SPIs (INTID - 32) of pass-through devices */
};

static struct vplat_arm vplats[KEEL_MAX_VMS];

struct vgicd *arm_vm_vgicd(struct vm *vm)
{
    return &((struct vplat_arm *)vm->vplat)->gicd;
}

static void uart_tx(void *ctx, uint8_t byte)
{
    struct vplat_arm *p = ctx;
    console_guest_putc(p->vm->id, byte);
}

static void uart_irq(void *ctx, bool level)
{
    struct vplat_arm *p = ctx;
    vgicd_set_level(&p->gicd, 0, VPLAT_UART_INTID, level);
}

static void doorbell_irq(void *ctx, bool level)
{
    struct vplat_arm *p = ctx;
    vgicd_set_level(&p->gicd, 0, VPLAT_DOORBELL_INTID, level);
}

static void doorbell_ring(void *ctx, uint32_t target)
{
    struct vplat_arm *p = ctx;
    vm_doorbell_ring(p->vm, target);
}

/* The distributor has something new for vCPU `index` (called with the VM lock held). */
/* the guest EOIed an SPI: pass-through ones re-open the host's delivery */
static void gicd_completed(void *ctx, uint32_t irq)
{
    struct vplat_arm *p = ctx;
    if (p->passthrough & (UINT64_C(1) << (irq - 32)))
        passthrough_guest_done(p->vm, irq);
}

static void gicd_kick(void *ctx, uint32_t index)
{
    struct vplat_arm *p = ctx;
    if (index >= p->vm->nr_vcpus)
        return;
    struct vcpu *v = &p->vm->vcpus[index];
    atomic_store(&v->arch.vgic_dirty, 1);
    if (current_vcpu() != v)
        vcpu_kick(v, VCPU_REQ_KICK);
}

/* GICD registers are banked per vCPU: the accessing vCPU is the one whose exit this is. */
static enum mmio_status gicd_read(void *dev, uint64_t offset, uint32_t width, uint64_t *value)
{
    struct vplat_arm *p = dev;
    return vgicd_read(&p->gicd, arm_trapping_vcpu()->id, offset, width, value);
}

static enum mmio_status gicd_read_unlocked(const void *dev, uint64_t offset, uint32_t width,
                                           uint64_t *value)
{
    const struct vplat_arm *p = dev;
    return vgicd_read_unlocked(&p->gicd, arm_trapping_vcpu()->id, offset, width, value);
}

static enum mmio_status gicd_write(void *dev, uint64_t offset, uint32_t width, uint64_t value)
{
    struct vplat_arm *p = dev;
    return vgicd_write(&p->gicd, arm_trapping_vcpu()->id, offset, width, value);
}

static const struct vdev_ops gicd_ops = {
    .read = gicd_read,
    .write = gicd_write,
    .read_unlocked = gicd_read_unlocked,
};

/* Console input waiting for the UART, pulled by the model when its FIFO has room. */
static int uart_pull(void *ctx)
{
    struct vplat_arm *p = ctx;
    return vm_console_getc(p->vm);
}

int vplat_create(struct vm *vm, char *err, size_t errlen)
{
    struct vplat_arm *p = &vplats[vm->id];
    p->vm = vm;
    vm->vplat = p;
    vm->doorbell = &p->doorbell;
    vplat_reset(vm);
    if (vm_add_mmio(vm, VPLAT_UART_GPA, VPL011_WINDOW_SIZE, &vpl011_ops, &p->uart) ||
        vm_add_mmio(vm, VPLAT_GICD_GPA, VGICD_WINDOW_SIZE, &gicd_ops, p) ||
        vm_add_mmio(vm, VPLAT_DOORBELL_GPA, DOORBELL_WINDOW_SIZE, &doorbell_ops, &p->doorbell)) {
        ksnprintf(err, errlen, "VM '%s': its RAM, shmem or a pass-through window overlaps the GIC, UART or doorbell windows at 0x08000000-0x09010fff",
                  vm->name);
        return -1;
    }
    /* the guest's GIC CPU interface is the hardware's virtual CPU interface */
    if (vm_stage2_map(vm, VPLAT_GICC_GPA, platform.gicv_base, VPLAT_GICC_SIZE,
                      S2_READ | S2_WRITE | S2_DEVICE)) {
        ksnprintf(err, errlen, "VM '%s': cannot map the GIC virtual CPU interface", vm->name);
        return -1;
    }
    return 0;
}

void vplat_reset(struct vm *vm)
{
    struct vplat_arm *p = vm->vplat;
    vpl011_init(&p->uart, uart_tx, uart_irq, uart_pull, p);
    vgicd_init(&p->gicd, VPLAT_NR_SPIS, vm->nr_vcpus, gicd_kick, p);
    vgicd_set_complete_hook(&p->gicd, gicd_completed);
    /* the virtual timer's PPI goes from the physical GIC straight to a list register
       (vcpu/aarch64/vgic.c); the model keeps its enable bit and priority */
    for (uint32_t i = 0; i < vm->nr_vcpus; i++)
        vgicd_set_hw(&p->gicd, i, ARM_PPI_VTIMER, true);
    doorbell_init(&p->doorbell, vm->id, doorbell_ring, doorbell_irq, p);
}

int vplat_passthrough_irq(struct vm *vm, uint32_t guest_irq, char *err, size_t errlen)
{
    struct vplat_arm *p = vm->vplat;
    if (guest_irq < 32 || guest_irq >= 32 + VPLAT_NR_SPIS) {
        ksnprintf(err, errlen, "the guest GIC has SPIs with INTIDs 32..%u", 32 + VPLAT_NR_SPIS - 1);
        return -1;
    }
    if (guest_irq == VPLAT_UART_INTID || guest_irq == VPLAT_DOORBELL_INTID) {
        ksnprintf(err, errlen, "guest INTID %u is keel's virtual %s", guest_irq,
                  guest_irq == VPLAT_UART_INTID ? "UART" : "doorbell");
        return -1;
    }
    p->passthrough |= UINT64_C(1) << (guest_irq - 32);
    return 0;
}

void vplat_set_irq_level(struct vm *vm, uint32_t guest_irq, bool level)
{
    struct vplat_arm *p = vm->vplat;
    vgicd_set_level(&p->gicd, 0, guest_irq, level);
}

bool vplat_console_input(struct vm *vm, uint8_t byte)
{
    struct vplat_arm *p = vm->vplat;
    return vpl011_rx_push(&p->uart, byte);
}
