/* SPDX-License-Identifier: MIT */
/*
 * Physical memory: a list of free HPA ranges made at boot from the DTB's RAM minus everything
 * in use (firmware reservations, keel itself, the DTB, the guest-image bundle). Guest RAM
 * partitions and page tables are carved from it; nothing is ever freed back except a
 * rebooting VM's partition, which is reused as is.
 */
#ifndef KEEL_MEM_H
#define KEEL_MEM_H

#include <keel/platform.h>

#define MEM_MAX_FREE 32

struct mem_map {
    struct mem_range free[MEM_MAX_FREE];
    uint32_t nr_free;
};

/* Start the map with the RAM ranges; returns 0, -1 if there are more than MEM_MAX_FREE. */
int mem_map_init(struct mem_map *m, const struct mem_range *ram, uint32_t nr_ram);

/* Remove [base, base+size) from the free ranges (splitting one if needed); bytes outside RAM are
   ignored. Returns 0, -1 when a split would exceed MEM_MAX_FREE ranges. */
int mem_map_reserve(struct mem_map *m, hpa_t base, uint64_t size);

/* Carve `size` bytes aligned to `align` (a power of two) from the highest free range that can
   hold them; returns the HPA, or 0 when nothing fits. */
hpa_t mem_map_alloc(struct mem_map *m, uint64_t size, uint64_t align);

/* Take exactly [base, base+size) out of the free ranges; -1 (nothing changed) unless all of it
   is free (a fixed placement that overlaps firmware, keel, the bundle or another VM). */
int mem_map_take(struct mem_map *m, hpa_t base, uint64_t size);

/* Total free bytes. */
uint64_t mem_map_free_bytes(const struct mem_map *m);

/* keel's global map, and a zeroed 4 KiB-multiple allocation from it for tables (0 on failure). */
extern struct mem_map host_mem;
hpa_t mem_alloc_zeroed(uint64_t size, uint64_t align);

#endif
