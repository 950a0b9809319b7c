/* SPDX-License-Identifier: MIT */
/* SBI dispatch: one table of extensions (probing walks the same table), SBI v2.0 chapter 3. */
#include <keel/fw.h>
#include "sbi.h"

/*
 * The extensions keel offers: one table, indexed so that the lookup is one load and one compare.
 * The low four bits of every standard EID keel implements differ (BASE 0x10 -> 0, RFENCE ...43
 * -> 3, SRST ...54 -> 4, TIME ...45 -> 5, IPI ...49 -> 9, HSM ...4D -> 13, DBCN ...4E -> 14), so
 * an extension sits at slot EID & 15 and two extensions on one slot are a compile error
 * (-Woverride-init). Empty slots hold EID 0, which no call can match there: EID 0 indexes slot
 * 0, BASE's. The legacy EIDs 0x00-0x08 are looked up after a slot miss. Adding an extension:
 * one file and one line here.
 */
#define SBI_SLOT(eid) ((eid) & 15)
#define SBI_EXT(eid, name, handler) [SBI_SLOT(eid)] = { eid, name, handler }

static const struct sbi_ext sbi_table[16] = {
    SBI_EXT(SBI_EID_BASE, "BASE", sbi_base_call),
    SBI_EXT(SBI_EID_TIME, "TIME", sbi_time_call),
    SBI_EXT(SBI_EID_IPI, "IPI", sbi_ipi_call),
    SBI_EXT(SBI_EID_RFENCE, "RFENCE", sbi_rfence_call),
    SBI_EXT(SBI_EID_HSM, "HSM", sbi_hsm_call),
    SBI_EXT(SBI_EID_SRST, "SRST", sbi_srst_call),
    SBI_EXT(SBI_EID_DBCN, "DBCN", sbi_dbcn_call),
};

bool sbi_has_ext(uint64_t eid)
{
    /* legacy: set_timer, console_putchar/getchar, clear_ipi and shutdown; not EIDs 4-7, whose
       hart-mask pointers keel does not follow (hyp/fw/sbi_legacy.c) */
    return sbi_table[SBI_SLOT(eid)].eid == eid || eid <= 3 || eid == SBI_LEGACY_EID_LAST;
}

enum exit_action fw_handle_call(struct vcpu *v, struct exit_fw_call *call)
{
    uint64_t eid = call->ext_id;
    const struct sbi_ext *ext = &sbi_table[SBI_SLOT(eid)];
    if (__builtin_expect(ext->eid == eid, 1))
        return ext->handler(v, eid, call->func_id, call->regs);
    if (eid <= SBI_LEGACY_EID_LAST)
        return sbi_legacy_call(v, eid, call->func_id, call->regs);
    return sbi_ret(call->regs, SBI_ERR_NOT_SUPPORTED, 0);
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
