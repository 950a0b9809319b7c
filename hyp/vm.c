/* SPDX-License-Identifier: MIT */
/* VM lifecycle: creation from a scenario entry, guest memory checks, device windows, stop. */
#include <keel/bundle.h>
#include <keel/console.h>
#include <keel/guest_fdt.h>
#include <keel/image.h>
#include <keel/mem.h>
#include <keel/passthrough.h>
#include <keel/pcpu.h>
#include <keel/platform.h>
#include <keel/scenario.h>
#include <keel/sched.h>
#include <keel/stage2.h>
#include <keel/vm.h>
#include <keel/vdev/doorbell.h>
#include <keel/vplat.h>
#include <string.h>

struct vm vms[KEEL_MAX_VMS];
uint32_t nr_vms;

/* Shared-memory regions of the scenario: one host range each, mapped into every VM that names
   it (the same HPA at each VM's shmem-gpa). */
struct shmem_region {
    const char *name;
    uint64_t size;
    hpa_t hpa;
};
static struct shmem_region shmem_regions[SCENARIO_MAX_SHMEM];

#define GUEST_DTB_MAX (64 * 1024)
#define MIB (UINT64_C(1) << 20)

void *vm_gpa_to_hva(struct vm *vm, gpa_t gpa, uint64_t len)
{
    if (gpa < vm->ram_gpa)
        return NULL;
    uint64_t off = gpa - vm->ram_gpa;
    if (off > vm->ram_size || len > vm->ram_size - off)
        return NULL;
    return (void *)(uintptr_t)(vm->ram_hpa + off);
}

int vm_add_mmio(struct vm *vm, gpa_t gpa, uint64_t size, const struct vdev_ops *ops, void *dev)
{
    if (vm->nr_mmio == KEEL_MAX_MMIO || !size || gpa + size < gpa)
        return -1;
    if (keel_ranges_overlap(gpa, size, vm->ram_gpa, vm->ram_size))
        return -1;
    const struct vm_config *cfg = vm->cfg;
    if (cfg && cfg->shmem >= 0 &&
        keel_ranges_overlap(gpa, size, cfg->shmem_gpa, shmem_regions[cfg->shmem].size))
        return -1;
    for (uint32_t i = 0; cfg && i < cfg->nr_passthrough; i++)
        if (keel_ranges_overlap(gpa, size, cfg->passthrough[i].gpa, cfg->passthrough[i].size))
            return -1;
    for (uint32_t i = 0; i < vm->nr_mmio; i++)
        if (gpa < vm->mmio[i].gpa + vm->mmio[i].size && vm->mmio[i].gpa < gpa + size)
            return -1;
    vm->mmio[vm->nr_mmio++] = (struct mmio_region){ gpa, size, ops, dev };
    return 0;
}

static hpa_t alloc_table(void *ctx)
{
    (void)ctx;
    return mem_alloc_zeroed(4096, 4096);
}

int vm_stage2_map(struct vm *vm, gpa_t gpa, hpa_t hpa, uint64_t size, uint32_t prot)
{
    return stage2_map(vm->stage2_root, gpa, hpa, size, prot, alloc_table, NULL);
}

static int load_file(struct vm *vm, const void *bundle, uint64_t bundle_size, const char *name,
                     const char *what, const void **data, uint64_t *len, char *err, size_t errlen)
{
    enum bundle_status st = bundle_find(bundle, bundle_size, name, data, len);
    if (st == BUNDLE_MALFORMED) {
        ksnprintf(err, errlen, "VM '%s': the image bundle is not a valid cpio (newc) archive",
                  vm->name);
        return -1;
    }
    if (st == BUNDLE_NOT_FOUND) {
        ksnprintf(err, errlen, "VM '%s': %s '%s' is not in the image bundle", vm->name, what, name);
        return -1;
    }
    return 0;
}

/* The VM's own rng-seed: the boot loader's seed mixed with the VM id and its boot count by a
   splitmix64 stream, so VMs (and reboots of one VM) never share a seed. Not a CSPRNG: it only
   passes on the boot loader's entropy, which is all keel has. */
static uint32_t vm_rng_seed(const struct vm *vm, uint8_t *out, uint32_t max)
{
    uint32_t n = platform.rng_seed_len < max ? platform.rng_seed_len : max;
    uint64_t x = ((uint64_t)vm->id << 32) ^ vm->boot_count ^ 0x9e3779b97f4a7c15ull;
    for (uint32_t i = 0; i < n; i++) {
        if (i % 8 == 0) {
            x += 0x9e3779b97f4a7c15ull;
            uint64_t z = x;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            x ^= z ^ (z >> 31);
        }
        out[i] = platform.rng_seed[i] ^ (uint8_t)(x >> (8 * (i % 8)));
    }
    return n;
}

/* Copy the images into the VM's RAM and build its DTB; vCPU 0 starts at the kernel. */
static int vm_load_images(struct vm *vm, const struct vm_config *cfg, const void *bundle,
                          uint64_t bundle_size, char *err, size_t errlen)
{
    const void *kernel, *dtb_tmpl, *initrd = NULL;
    uint64_t kernel_len, dtb_len, initrd_len = 0;
    if (load_file(vm, bundle, bundle_size, cfg->kernel, "kernel", &kernel, &kernel_len, err,
                  errlen) ||
        load_file(vm, bundle, bundle_size, cfg->dtb, "guest DTB", &dtb_tmpl, &dtb_len, err,
                  errlen) ||
        (cfg->initrd && load_file(vm, bundle, bundle_size, cfg->initrd, "initrd", &initrd,
                                  &initrd_len, err, errlen)))
        return -1;

    struct image_info info;
    char why[160];
    if (image_check_linux(kernel, kernel_len, vcpu_arch_image_kind(), &info, why, sizeof(why))) {
        ksnprintf(err, errlen, "VM '%s': kernel '%s': %s", vm->name, cfg->kernel, why);
        return -1;
    }
    /* layout: kernel at RAM + text_offset, DTB in the last 2 MiB, initrd just below it */
    gpa_t kernel_gpa = vm->ram_gpa + info.text_offset;
    uint64_t kernel_span = info.image_size > kernel_len ? info.image_size : kernel_len;
    gpa_t dtb_gpa = vm->ram_gpa + vm->ram_size - 2 * MIB;
    gpa_t initrd_gpa = (dtb_gpa - initrd_len) & ~0xfffull;
    if (vm->ram_size < 4 * MIB || info.text_offset + kernel_span > vm->ram_size - 2 * MIB ||
        (initrd && (initrd_gpa < kernel_gpa + kernel_span || initrd_len > vm->ram_size))) {
        ksnprintf(err, errlen,
                  "VM '%s': %lu MiB of RAM cannot hold kernel (%lu KiB), initrd (%lu KiB) and DTB",
                  vm->name, vm->ram_size / MIB, kernel_span / 1024, initrd_len / 1024);
        return -1;
    }
    memcpy(vm_gpa_to_hva(vm, kernel_gpa, kernel_len), kernel, kernel_len);
    if (initrd)
        memcpy(vm_gpa_to_hva(vm, initrd_gpa, initrd_len), initrd, initrd_len);

    uint8_t seed[64];
    uint32_t seed_len = vm_rng_seed(vm, seed, sizeof(seed));
    vm->boot_count++;
    char isa[256];
    guest_riscv_isa(platform.isa, vm->sstc, platform.has_svpbmt, isa, sizeof(isa));
    struct guest_fdt_params params = {
        .ram_gpa = vm->ram_gpa,
        .ram_size = vm->ram_size,
        .bootargs = cfg->bootargs,
        .initrd_start = initrd ? initrd_gpa : 0,
        .initrd_end = initrd ? initrd_gpa + initrd_len : 0,
        .nr_vcpus = vm->nr_vcpus,
        .riscv_isa = platform.isa[0] ? isa : NULL,
        .timebase_hz = (uint32_t)platform.timebase_hz,
        .rng_seed = seed,
        .rng_seed_len = seed_len,
    };
    /* the template is copied into place first: libfdt needs 8-byte alignment, cpio gives 4 */
    void *dtb_buf = vm_gpa_to_hva(vm, dtb_gpa, GUEST_DTB_MAX);
    if (dtb_len > GUEST_DTB_MAX / 2) {
        ksnprintf(err, errlen, "VM '%s': dtb '%s' is larger than %u KiB", vm->name, cfg->dtb,
                  GUEST_DTB_MAX / 2048);
        return -1;
    }
    memcpy(dtb_buf, dtb_tmpl, dtb_len);
    if (guest_fdt_finish(dtb_buf, GUEST_DTB_MAX, dtb_buf, &params, why, sizeof(why))) {
        ksnprintf(err, errlen, "VM '%s': dtb '%s': %s", vm->name, cfg->dtb, why);
        return -1;
    }
    arch_guest_image_written(vm_gpa_to_hva(vm, kernel_gpa, kernel_len), kernel_len);
    if (initrd)
        arch_guest_image_written(vm_gpa_to_hva(vm, initrd_gpa, initrd_len), initrd_len);
    arch_guest_image_written(dtb_buf, GUEST_DTB_MAX);
    vm->entry = kernel_gpa;
    vm->dtb_gpa = dtb_gpa;
    if (initrd)
        kprintf("keel: VM '%s': kernel %s (%lu KiB) at GPA 0x%lx, initrd %lu KiB at 0x%lx, DTB at 0x%lx\n",
                vm->name, cfg->kernel, kernel_len / 1024, kernel_gpa, initrd_len / 1024, initrd_gpa,
                dtb_gpa);
    else
        kprintf("keel: VM '%s': kernel %s (%lu KiB) at GPA 0x%lx, no initrd, DTB at 0x%lx\n",
                vm->name, cfg->kernel, kernel_len / 1024, kernel_gpa, dtb_gpa);
    return 0;
}

/* Create VM number `index` from `cfg`: RAM partition, stage-2 map, images, devices, vCPUs. */
static int vm_create(uint32_t index, const struct vm_config *cfg, const void *bundle,
                     uint64_t bundle_size, char *err, size_t errlen)
{
    struct vm *vm = &vms[index];
    memset(vm, 0, sizeof(*vm));
    vm->id = index;
    ksnprintf(vm->name, sizeof(vm->name), "%s", cfg->name);
    vm->cfg = cfg;
    vm->ram_gpa = cfg->ram_gpa;
    vm->ram_size = cfg->ram_size;
    vm->nr_vcpus = cfg->nr_vcpus;
    vm->vmid = (uint16_t)(index + 1);
    vm->sstc = cfg->sstc < 0 ? platform.has_sstc : cfg->sstc == 1;
    if (vm->sstc && !platform.has_sstc) {
        ksnprintf(err, errlen, "VM '%s': riscv,sstc = <1> but this machine has no Sstc", vm->name);
        return -1;
    }
    if (cfg->ram_gpa + cfg->ram_size > stage2_gpa_limit()) {
        ksnprintf(err, errlen, "VM '%s': memory ends above the %lu GiB stage-2 limit", vm->name,
                  stage2_gpa_limit() >> 30);
        return -1;
    }
    if (cfg->ram_hpa) {
        if (mem_map_take(&host_mem, cfg->ram_hpa, cfg->ram_size)) {
            ksnprintf(err, errlen, "VM '%s': memory-hpa 0x%lx-0x%lx is not free host RAM", vm->name,
                      cfg->ram_hpa, cfg->ram_hpa + cfg->ram_size - 1);
            return -1;
        }
        vm->ram_hpa = cfg->ram_hpa;
    } else {
        /* 1 GiB alignment lets stage 2 use 1 GiB blocks; fall back to 2 MiB blocks */
        vm->ram_hpa = cfg->ram_size >= (1ull << 30) ? mem_map_alloc(&host_mem, cfg->ram_size, 1ull << 30) : 0;
        if (!vm->ram_hpa)
            vm->ram_hpa = mem_map_alloc(&host_mem, cfg->ram_size, 2 * MIB);
    }
    if (!vm->ram_hpa) {
        ksnprintf(err, errlen, "VM '%s': no %lu MiB of free RAM for it (%lu MiB free)", vm->name,
                  cfg->ram_size / MIB, mem_map_free_bytes(&host_mem) / MIB);
        return -1;
    }
    vm->stage2_root = mem_alloc_zeroed(stage2_root_size(), stage2_root_size());
    if (!vm->stage2_root || vm_stage2_map(vm, vm->ram_gpa, vm->ram_hpa, vm->ram_size, S2_RWX)) {
        ksnprintf(err, errlen, "VM '%s': out of memory for stage-2 tables", vm->name);
        return -1;
    }
    if (cfg->shmem >= 0) {
        const struct shmem_region *shm = &shmem_regions[cfg->shmem];
        if (vm_stage2_map(vm, cfg->shmem_gpa, shm->hpa, shm->size, S2_READ | S2_WRITE)) {
            ksnprintf(err, errlen, "VM '%s': cannot map shmem '%s' at GPA 0x%lx", vm->name,
                      shm->name, cfg->shmem_gpa);
            return -1;
        }
        kprintf("keel: VM '%s': shmem '%s' (%lu KiB) at GPA 0x%lx\n", vm->name, shm->name,
                shm->size / 1024, cfg->shmem_gpa);
    }
    for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        v->vm = vm;
        v->id = i;
        v->pcpu = cfg->pin[i];
        v->mmio_last = &vm->mmio[0];
        atomic_store(&v->state, VCPU_OFF);
        vcpu_arch_setup(v);
    }
    vm->bundle = bundle;
    vm->bundle_size = bundle_size;
    if (vplat_create(vm, err, errlen) || passthrough_setup(vm, err, errlen))
        return -1;
    if (vm_load_images(vm, cfg, bundle, bundle_size, err, errlen))
        return -1;
    kprintf("keel: VM '%s': %u vCPU(s), %lu MiB RAM at GPA 0x%lx (HPA 0x%lx), VMID %u%s\n",
            vm->name, vm->nr_vcpus, vm->ram_size / MIB, vm->ram_gpa, vm->ram_hpa, vm->vmid,
            !platform.isa[0] ? "" : vm->sstc ? ", Sstc on" : ", Sstc off");
    return 0;
}

int vms_create(const struct scenario *sc, const void *bundle, uint64_t bundle_size, char *err,
               size_t errlen)
{
    for (uint32_t i = 0; i < sc->nr_shmem; i++) {
        struct shmem_region *shm = &shmem_regions[i];
        shm->name = sc->shmem[i].name;
        shm->size = sc->shmem[i].size;
        shm->hpa = mem_alloc_zeroed(shm->size, 2 * MIB);
        if (!shm->hpa) {
            ksnprintf(err, errlen, "shmem '%s': no %lu KiB of free RAM for it", shm->name,
                      shm->size / 1024);
            return -1;
        }
    }
    for (uint32_t i = 0; i < sc->nr_vms; i++)
        if (vm_create(i, &sc->vms[i], bundle, bundle_size, err, errlen))
            return -1;
    nr_vms = sc->nr_vms;
    console_set_vm_count(nr_vms);
    return 0;
}

bool vcpu_try_start(struct vcpu *target, gpa_t entry, uint64_t arg)
{
    spin_lock(&target->start_lock);
    if (atomic_load(&target->state) != VCPU_OFF) {
        spin_unlock(&target->start_lock);
        return false;
    }
    target->start_entry = entry;
    target->start_arg = arg;
    target->suspended = false;
    target->resume_reset = false;
    atomic_fetch_or(&target->requests, VCPU_REQ_START);
    atomic_store(&target->state, VCPU_RUNNABLE);
    spin_unlock(&target->start_lock);
    vcpu_kick(target, VCPU_REQ_KICK);
    return true;
}

void vm_start(struct vm *vm)
{
    atomic_store(&vm->state, VM_RUNNING);
    vcpu_try_start(&vm->vcpus[0], vm->entry, vm->dtb_gpa);
}

void vm_request_stop(struct vm *vm, enum vm_state state)
{
    atomic_store(&vm->state, state);
    for (uint32_t i = 0; i < vm->nr_vcpus; i++)
        vcpu_kick(&vm->vcpus[i], VCPU_REQ_KICK);
}

struct vcpu *current_vcpu(void)
{
    return this_pcpu()->current;
}

void vcpu_kick(struct vcpu *v, uint32_t request)
{
    atomic_fetch_or(&v->requests, request);
    struct pcpu *self = this_pcpu();
    struct vcpu *running = pcpu_current(v->pcpu);
    if (running != v)
        sched_request_resched(v->pcpu); /* v may run now: its hart chooses again */
    if (v->pcpu == self->index && (running == v || running == NULL))
        return; /* this hart looks at v's requests before v runs again */
    arch_send_ipi(v->pcpu);
}

int vm_reload(struct vm *vm)
{
    char err[192];
    /* under the VM lock: console input and pass-through interrupts may reach the models from
       other harts while the VM reboots */
    spin_lock(&vm->lock);
    vplat_reset(vm);
    passthrough_reset(vm);
    for (uint32_t i = 0; i < vm->nr_vcpus; i++)
        vm->vcpus[i].new_boot = true;
    spin_unlock(&vm->lock);
    if (vm_load_images(vm, vm->cfg, vm->bundle, vm->bundle_size, err, sizeof(err))) {
        kprintf("keel: error: %s\n", err);
        return -1;
    }
    return 0;
}

void vm_doorbell_ring(struct vm *from, uint32_t target)
{
    if (target >= nr_vms || !vms[target].doorbell)
        return;
    doorbell_raise(vms[target].doorbell, from->id);
    if (target == from->id)
        doorbell_sync(from->doorbell);
    else
        vcpu_kick(&vms[target].vcpus[0], VCPU_REQ_DEVICES);
}

void hyp_serve_requests(struct vcpu *v, uint32_t req)
{
    if ((req & VCPU_REQ_DEVICES) && v->vm->doorbell) {
        spin_lock(&v->vm->lock);
        doorbell_sync(v->vm->doorbell);
        spin_unlock(&v->vm->lock);
    }
}
