/* SPDX-License-Identifier: MIT */
/* SBI dispatch: one table of extensions (probing walks the same table), SBI v2.0 chapter 3. */
#include <keel/fw.h>
#include "sbi.h"

/* Ordered by how often Linux calls them: the lookup is a short linear scan. */
static const struct sbi_ext *const sbi_exts[] = {
    &sbi_ext_time, &sbi_ext_ipi, &sbi_ext_rfence, &sbi_ext_base,
    &sbi_ext_hsm,  &sbi_ext_srst, &sbi_ext_dbcn,  &sbi_ext_legacy,
};

const struct sbi_ext *sbi_find_ext(uint64_t eid)
{
    for (size_t i = 0; i < KEEL_ARRAY_SIZE(sbi_exts); i++)
        if (eid >= sbi_exts[i]->eid_start && eid <= sbi_exts[i]->eid_end)
            return sbi_exts[i];
    return NULL;
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
