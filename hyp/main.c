/* SPDX-License-Identifier: MIT */
/* keel's ISA-neutral boot: memory map, scenario, VMs, then the scheduler. */
#include <keel/bundle.h>
#include <keel/console.h>
#include <keel/hyp.h>
#include <keel/mem.h>
#include <keel/platform.h>
#include <keel/scenario.h>
#include <keel/sched.h>
#include <keel/vm.h>
#include <string.h>

static struct scenario scenario;
/* libfdt wants 8-byte aligned blobs; cpio aligns file data to 4 only */
static uint64_t scenario_blob[64 * 1024 / 8];

static void __attribute__((noreturn)) boot_error(const char *what)
{
    kprintf("keel: error: %s\n", what);
    kprintf("keel: stopping: no VM was started\n");
    platform_fail(1);
}

static void build_memory_map(hpa_t dtb, uint64_t dtb_size)
{
    if (mem_map_init(&host_mem, platform.ram, platform.nr_ram))
        boot_error("too many RAM ranges in the device tree");
    int rc = 0;
    for (uint32_t i = 0; i < platform.nr_reserved; i++)
        rc |= mem_map_reserve(&host_mem, platform.reserved[i].base, platform.reserved[i].size);
    rc |= mem_map_reserve(&host_mem, (hpa_t)(uintptr_t)_start_image,
                          (uint64_t)(_end - _start_image));
    rc |= mem_map_reserve(&host_mem, dtb, dtb_size);
    rc |= mem_map_reserve(&host_mem, platform.initrd_start,
                          platform.initrd_end - platform.initrd_start);
    if (rc)
        boot_error("the memory map is too fragmented (more than 32 free ranges)");
    uint64_t total = 0;
    for (uint32_t i = 0; i < platform.nr_ram; i++)
        total += platform.ram[i].size;
    kprintf("keel: RAM %lu MiB, %lu MiB free for VMs; keel at 0x%lx-0x%lx\n", total >> 20,
            mem_map_free_bytes(&host_mem) >> 20, (uint64_t)(uintptr_t)_start_image,
            (uint64_t)(uintptr_t)_end);
}

void hyp_main(hpa_t dtb, uint64_t dtb_size)
{
    char err[256];
    build_memory_map(dtb, dtb_size);

    if (!platform.initrd_start)
        boot_error("no guest-image bundle: boot keel with its bundle as the initrd "
                   "(scripts/run.sh does this; see README)");
    const void *bundle = (const void *)(uintptr_t)platform.initrd_start;
    uint64_t bundle_size = platform.initrd_end - platform.initrd_start;
    const void *scenario_dtb;
    uint64_t scenario_len;
    enum bundle_status st = bundle_find(bundle, bundle_size, "scenario.dtb", &scenario_dtb,
                                        &scenario_len);
    if (st == BUNDLE_MALFORMED)
        boot_error("the initrd is not a keel image bundle (cpio newc archive expected)");
    if (st == BUNDLE_NOT_FOUND)
        boot_error("the image bundle has no scenario.dtb");
    if (scenario_len > sizeof(scenario_blob))
        boot_error("scenario.dtb is larger than 64 KiB");
    memcpy(scenario_blob, scenario_dtb, scenario_len);
    if (scenario_parse(scenario_blob, pcpu_count, &scenario, err, sizeof(err)))
        boot_error(err);
    kprintf("keel: scenario: %u VM(s)\n", scenario.nr_vms);
    if (vms_create(&scenario, bundle, bundle_size, err, sizeof(err)))
        boot_error(err);

    arch_start_secondaries();
    for (uint32_t i = 0; i < nr_vms; i++)
        vm_start(&vms[i]);
    kprintf("keel: starting %u VM(s)\n", nr_vms);
    sched_run();
}
