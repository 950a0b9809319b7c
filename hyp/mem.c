/* SPDX-License-Identifier: MIT */
/* The free-range map of host physical memory (see keel/mem.h). Pure list logic. */
#include <keel/mem.h>
#include <string.h>

struct mem_map host_mem;

int mem_map_init(struct mem_map *m, const struct mem_range *ram, uint32_t nr_ram)
{
    m->nr_free = 0;
    for (uint32_t i = 0; i < nr_ram; i++) {
        if (!ram[i].size)
            continue;
        if (m->nr_free == MEM_MAX_FREE)
            return -1;
        m->free[m->nr_free++] = ram[i];
    }
    return 0;
}

int mem_map_reserve(struct mem_map *m, hpa_t base, uint64_t size)
{
    if (!size)
        return 0;
    hpa_t end = base + size < base ? UINT64_MAX : base + size;
    for (uint32_t i = 0; i < m->nr_free; i++) {
        struct mem_range *r = &m->free[i];
        hpa_t r_end = r->base + r->size;
        if (end <= r->base || base >= r_end)
            continue;
        if (base <= r->base && end >= r_end) {
            /* the whole range goes */
            m->free[i] = m->free[--m->nr_free];
            i--;
        } else if (base <= r->base) {
            r->size = r_end - end;
            r->base = end;
        } else if (end >= r_end) {
            r->size = base - r->base;
        } else {
            if (m->nr_free == MEM_MAX_FREE)
                return -1;
            m->free[m->nr_free++] = (struct mem_range){ end, r_end - end };
            r->size = base - r->base;
        }
    }
    return 0;
}

hpa_t mem_map_alloc(struct mem_map *m, uint64_t size, uint64_t align)
{
    int best = -1;
    hpa_t best_base = 0;
    for (uint32_t i = 0; i < m->nr_free; i++) {
        struct mem_range *r = &m->free[i];
        if (r->size < size)
            continue;
        hpa_t base = (r->base + r->size - size) & ~(align - 1);
        if (base < r->base || base == 0)
            continue;
        if (best < 0 || base > best_base) {
            best = (int)i;
            best_base = base;
        }
    }
    if (best < 0)
        return 0;
    if (mem_map_reserve(m, best_base, size))
        return 0;
    return best_base;
}

int mem_map_take(struct mem_map *m, hpa_t base, uint64_t size)
{
    if (!size || base + size < base)
        return -1;
    for (uint32_t i = 0; i < m->nr_free; i++) {
        const struct mem_range *r = &m->free[i];
        if (base >= r->base && base + size <= r->base + r->size)
            return mem_map_reserve(m, base, size);
    }
    return -1;
}

uint64_t mem_map_free_bytes(const struct mem_map *m)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < m->nr_free; i++)
        total += m->free[i].size;
    return total;
}

hpa_t mem_alloc_zeroed(uint64_t size, uint64_t align)
{
    hpa_t hpa = mem_map_alloc(&host_mem, size, align);
    if (hpa)
        memset((void *)(uintptr_t)hpa, 0, size);
    return hpa;
}
