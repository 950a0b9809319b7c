/* SPDX-License-Identifier: MIT */
/*
 * Console input: bytes from the physical console go to the VM in focus through a per-VM queue
 * (single producer: the polling hart; single consumer: whoever holds that VM's lock). Ctrl-A
 * pressed three times moves the focus to the next VM still running, as Xen's console does.
 */
#include <keel/console.h>
#include <keel/spinlock.h>
#include <keel/vm.h>
#include <keel/vplat.h>

#define CON_IN_SIZE 256u
#define CTRL_A 0x01

struct con_in {
    uint8_t buf[CON_IN_SIZE];
    _Atomic uint32_t head; /* next write */
    _Atomic uint32_t tail; /* next read */
};

static struct con_in con_in[KEEL_MAX_VMS];
static uint32_t focus;
static uint32_t ctrl_a_run;
static struct spinlock poll_lock = SPINLOCK_INIT;

static void queue_byte(uint32_t vm_id, uint8_t byte)
{
    struct con_in *q = &con_in[vm_id];
    uint32_t head = atomic_load(&q->head);
    if (head - atomic_load(&q->tail) >= CON_IN_SIZE)
        return; /* full: the byte is dropped, as a UART overrun would */
    q->buf[head % CON_IN_SIZE] = byte;
    atomic_store(&q->head, head + 1);
}

int vm_console_getc(struct vm *vm)
{
    struct con_in *q = &con_in[vm->id];
    uint32_t tail = atomic_load(&q->tail);
    if (tail == atomic_load(&q->head))
        return -1;
    uint8_t byte = q->buf[tail % CON_IN_SIZE];
    atomic_store(&q->tail, tail + 1);
    return byte;
}

/* Move queued bytes into the VM's UART while it has room. */
static void feed_vm(struct vm *vm)
{
    spin_lock(&vm->lock);
    struct con_in *q = &con_in[vm->id];
    while (atomic_load(&q->tail) != atomic_load(&q->head)) {
        uint32_t tail = atomic_load(&q->tail);
        if (!vplat_console_input(vm, q->buf[tail % CON_IN_SIZE]))
            break;
        atomic_store(&q->tail, tail + 1);
    }
    spin_unlock(&vm->lock);
}

/* The VM after the one in focus, skipping VMs that have shut down (the focus stays when no
   other VM runs). */
static uint32_t next_focus(void)
{
    for (uint32_t step = 1; step < nr_vms; step++) {
        uint32_t id = (focus + step) % nr_vms;
        if (atomic_load(&vms[id].state) != VM_SHUTDOWN)
            return id;
    }
    return focus;
}

void console_poll_input(void)
{
    if (!nr_vms)
        return;
    spin_lock(&poll_lock);
    int c;
    uint32_t got = 0; /* bitmap of the VMs that were given bytes */
    while ((c = console_getc()) >= 0) {
        if (c == CTRL_A && nr_vms > 1) {
            if (++ctrl_a_run == 3) {
                ctrl_a_run = 0;
                focus = next_focus();
                kprintf("keel: console input now goes to VM '%s' (Ctrl-A x3 to switch)\n",
                        vms[focus].name);
            }
            continue;
        }
        for (; ctrl_a_run; ctrl_a_run--)
            queue_byte(focus, CTRL_A); /* fewer than three: they were meant for the guest */
        queue_byte(focus, (uint8_t)c);
        got |= 1u << focus;
    }
    spin_unlock(&poll_lock);
    /* Every VM that was given bytes, not only the one in focus now: a line typed before a
       focus switch must still reach (and interrupt) the VM it was typed for. */
    for (uint32_t id = 0; got; id++, got >>= 1) {
        if (got & 1u) {
            console_guest_flush(id); /* show the VM's prompt before its answer */
            feed_vm(&vms[id]);
        }
    }
}
