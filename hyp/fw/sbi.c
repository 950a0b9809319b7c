/* SPDX-License-Identifier: MIT */
/* SBI dispatch: one table of extensions (probing walks the same table), SBI v2.0 chapter 3. */
#include <keel/fw.h>
#include "sbi.h"

/*
 * The extensions keel offers. The lookup is one load: the low four bits of every standard EID
 * keel implements differ (BASE 0x10 -> 0, RFENCE ...43 -> 3, SRST ...54 -> 4, TIME ...45 -> 5,
 * IPI ...49 -> 9, HSM ...4D -> 13, DBCN ...4E -> 14), and EIDs 0x00-0x0F are the legacy
 * range. sbi_slot[] is that index; a static check below keeps it in step with this list.
 */
#define SBI_SLOTS 16
#define SBI_SLOT(eid) ((eid) & (SBI_SLOTS - 1))

static const struct sbi_ext *const sbi_slot[SBI_SLOTS] = {
    [SBI_SLOT(0x10)] = &sbi_ext_base,
    [SBI_SLOT(0x52464E43)] = &sbi_ext_rfence,
    [SBI_SLOT(0x53525354)] = &sbi_ext_srst,
    [SBI_SLOT(0x54494D45)] = &sbi_ext_time,
    [SBI_SLOT(0x735049)] = &sbi_ext_ipi,
    [SBI_SLOT(0x48534D)] = &sbi_ext_hsm,
    [SBI_SLOT(0x4442434E)] = &sbi_ext_dbcn,
};

_Static_assert(SBI_SLOT(0x10) != SBI_SLOT(0x52464E43) && SBI_SLOT(0x52464E43) != SBI_SLOT(0x53525354) &&
                   SBI_SLOT(0x53525354) != SBI_SLOT(0x54494D45) && SBI_SLOT(0x54494D45) != SBI_SLOT(0x735049) &&
                   SBI_SLOT(0x735049) != SBI_SLOT(0x48534D) && SBI_SLOT(0x48534D) != SBI_SLOT(0x4442434E) &&
                   SBI_SLOT(0x10) != SBI_SLOT(0x4442434E) && SBI_SLOT(0x10) != SBI_SLOT(0x735049),
               "two SBI extensions share a lookup slot: change SBI_SLOT()");

const struct sbi_ext *sbi_find_ext(uint64_t eid)
{
    if (eid <= sbi_ext_legacy.eid_end)
        return &sbi_ext_legacy;
    if (eid < SBI_SLOTS)
        return NULL; /* 0x09-0x0F: legacy numbers keel does not implement */
    const struct sbi_ext *ext = sbi_slot[SBI_SLOT(eid)];
    return ext && eid >= ext->eid_start && eid <= ext->eid_end ? ext : NULL;
}

enum exit_action fw_handle_call(struct vcpu *v, struct exit_fw_call *call)
{
    const struct sbi_ext *ext = sbi_find_ext(call->ext_id);
    if (!ext)
        return sbi_ret(call->regs, SBI_ERR_NOT_SUPPORTED, 0);
    return ext->handler(v, call->ext_id, call->func_id, call->regs);
}

int64_t sbi_hart_mask_targets(const struct vm *vm, uint64_t hart_mask, uint64_t hart_mask_base,
                              uint64_t *targets)
{
    uint64_t all = vm->nr_vcpus >= 64 ? UINT64_MAX : (1ull << vm->nr_vcpus) - 1;
    if (hart_mask_base == UINT64_MAX) {
        *targets = all;
        return SBI_SUCCESS;
    }
    *targets = 0;
    for (unsigned bit = 0; bit < 64; bit++) {
        if (!(hart_mask & (1ull << bit)))
            continue;
        uint64_t hartid = hart_mask_base + bit;
        if (hartid < hart_mask_base || hartid >= vm->nr_vcpus)
            return SBI_ERR_INVALID_PARAM;
        *targets |= 1ull << hartid;
    }
    return SBI_SUCCESS;
}
