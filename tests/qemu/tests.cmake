# SPDX-License-Identifier: MIT
# QEMU tests: boot real images through scripts/run.sh and judge the serial log and the exit
# status (tests/qemu/expect.sh). scripts/test.sh builds the cross images in build/<arch> first.

set(KEEL_QEMU_LOGS ${CMAKE_BINARY_DIR}/qemu-logs)
set(KEEL_EXPECT ${KEEL_SOURCE_DIR}/tests/qemu/expect.sh)
set(KEEL_RUN ${KEEL_SOURCE_DIR}/scripts/run.sh)

# keel_qemu_test(NAME TIMEOUT EXIT [EXPECT re...] [REJECT re...] RUN args...)
function(keel_qemu_test name timeout exit_status)
    cmake_parse_arguments(Q "" "" "EXPECT;REJECT;RUN" ${ARGN})
    set(args --log ${KEEL_QEMU_LOGS}/${name}.log --exit ${exit_status})
    foreach(re ${Q_EXPECT})
        list(APPEND args --expect ${re})
    endforeach()
    foreach(re ${Q_REJECT})
        list(APPEND args --reject ${re})
    endforeach()
    add_test(NAME qemu.${name} COMMAND ${KEEL_EXPECT} ${args} -- ${KEEL_RUN} ${Q_RUN})
    math(EXPR ctest_timeout "${timeout} + 60")
    set_tests_properties(qemu.${name} PROPERTIES LABELS qemu TIMEOUT ${ctest_timeout})
endfunction()

# Markers of the default guest's /init (scripts/fetch-guest.sh)
set(KEEL_LINUX_MARKERS
    "^keel [0-9.]+: RISC-V hypervisor"
    "keel: starting 1 VM"
    "Linux version"
    "SBI implementation ID=0x6b65656c"
    "Run /init as init process"
    "^keel-guest: init reached"
    "^keel-guest: cpus 1"
    "^keel-guest: clock ok"
    "^keel-guest: poweroff"
    "keel: all VMs have shut down: powering off")
# what no run may print: keel's panics and errors, a guest kernel's oops or panic, and an RCU
# stall report (a CPU that missed its timer or IPIs for 21 s: a lost interrupt)
set(KEEL_NO_PANIC "PANIC" "keel: error" "Oops" "Kernel panic" "rcu: INFO")

keel_qemu_test(riscv64.linux 150 0
    EXPECT "Sstc yes" "Timer interrupt in S-mode is available via sstc" "^keel-guest: clock ok"
        "keel: all VMs have shut down"
    REJECT ${KEEL_NO_PANIC}
    RUN --arch riscv64 --timeout 150)

keel_qemu_test(riscv64.linux-nosstc 150 0
    EXPECT "Sstc no" "^keel-guest: clock ok" "keel: all VMs have shut down"
    REJECT ${KEEL_NO_PANIC} "available via sstc"
    RUN --arch riscv64 --timeout 150 -- -cpu rv64,sstc=off)

# the whole boot, marker by marker, in order
keel_qemu_test(riscv64.linux-markers 150 0
    EXPECT ${KEEL_LINUX_MARKERS}
    REJECT ${KEEL_NO_PANIC}
    RUN --arch riscv64 --timeout 150)

# the guest's own kernel/initrd given explicitly, as a user with their own images would
keel_qemu_test(riscv64.linux-own-kernel 150 0
    EXPECT "Kernel command line: console=ttyS0 keel.test=own-kernel" "^keel-guest: clock ok"
    REJECT ${KEEL_NO_PANIC}
    RUN --arch riscv64 --timeout 150 --kernel ${KEEL_SOURCE_DIR}/build/guest/riscv64/Image
        --initrd ${KEEL_SOURCE_DIR}/build/guest/riscv64/initramfs.cpio.gz --append "console=ttyS0 keel.test=own-kernel")

keel_qemu_test(riscv64.sbi-test 90 0
    EXPECT "^keel [0-9.]+: RISC-V hypervisor" "^sbi-test: [0-9]+ passed, 0 failed"
    REJECT "^not ok" ${KEEL_NO_PANIC}
    RUN --arch riscv64 --timeout 90
        --kernel ${KEEL_SOURCE_DIR}/build/riscv64/tests/guests/riscv64/sbi-test.bin)

keel_qemu_test(riscv64.sbi-test-nosstc 90 0
    EXPECT "Sstc no" "^sbi-test: [0-9]+ passed, 0 failed"
    REJECT "^not ok" ${KEEL_NO_PANIC}
    RUN --arch riscv64 --timeout 90
        --kernel ${KEEL_SOURCE_DIR}/build/riscv64/tests/guests/riscv64/sbi-test.bin -- -cpu rv64,sstc=off)

# A hart without H: keel says so and stops the machine with a failure status, no hang
keel_qemu_test(riscv64.no-h-extension 60 1
    EXPECT "keel: error: this hart has no H extension" "keel: stopping"
    REJECT "Linux version"
    RUN --arch riscv64 --timeout 60 -- -cpu rv64,h=false)

# Bad kernels are refused with a reason, before or at boot, never a hang
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/bad-images)
file(WRITE ${CMAKE_BINARY_DIR}/bad-images/garbage.img
     "this is not a kernel image, just text that is long enough to have a header.........")
add_test(NAME qemu.riscv64.truncated-kernel.prepare
    COMMAND sh -c "head -c 4000000 ${KEEL_SOURCE_DIR}/build/guest/riscv64/Image > ${CMAKE_BINARY_DIR}/bad-images/truncated.img")
set_tests_properties(qemu.riscv64.truncated-kernel.prepare PROPERTIES FIXTURES_SETUP truncated_kernel)
keel_qemu_test(riscv64.truncated-kernel 60 1
    EXPECT "truncated: its EFI header lists [0-9]+ bytes of sections, the file has 4000000"
    REJECT "Linux version"
    RUN --arch riscv64 --timeout 60 --kernel ${CMAKE_BINARY_DIR}/bad-images/truncated.img)
set_tests_properties(qemu.riscv64.truncated-kernel PROPERTIES FIXTURES_REQUIRED truncated_kernel)
keel_qemu_test(riscv64.garbage-kernel 60 1
    EXPECT "not a RISC-V Linux Image"
    REJECT "Linux version"
    RUN --arch riscv64 --timeout 60 --kernel ${CMAKE_BINARY_DIR}/bad-images/garbage.img)

# as a board boots it: OpenSBI -> Debian's U-Boot (S-mode) -> extlinux on a virtio disk ->
# booti keel with the bundle as its ramdisk and U-Boot's own DTB (scripts/uboot-args.sh)
keel_qemu_test(riscv64.uboot 150 0
    EXPECT "^U-Boot 20[0-9][0-9]\\.[0-9]+" "^keel [0-9.]+: RISC-V hypervisor" "^keel-guest: clock ok"
        "keel: all VMs have shut down"
    REJECT ${KEEL_NO_PANIC}
    RUN --arch riscv64 --uboot --timeout 150)

# ---- AArch64 ----
set(KEEL_A64_MARKERS
    "^keel [0-9.]+: AArch64 hypervisor"
    "keel: EL2 MMU on, data cache on, instruction cache on"
    "keel: starting 1 VM"
    "Linux version"
    "psci: PSCIv1.1 detected in firmware"
    "arch_timer: cp15 timer.s. running at .*(virt)"
    "Run /init as init process"
    "^keel-guest: init reached"
    "^keel-guest: cpus 1"
    "^keel-guest: clock ok"
    "^keel-guest: poweroff"
    "keel: all VMs have shut down: powering off")

keel_qemu_test(aarch64.linux 150 0
    EXPECT ${KEEL_A64_MARKERS}
    REJECT ${KEEL_NO_PANIC}
    RUN --arch aarch64 --timeout 150)

keel_qemu_test(aarch64.linux-own-kernel 150 0
    EXPECT "Kernel command line: console=ttyAMA0 keel.test=own-kernel" "^keel-guest: clock ok"
    REJECT ${KEEL_NO_PANIC}
    RUN --arch aarch64 --timeout 150 --kernel ${KEEL_SOURCE_DIR}/build/guest/aarch64/Image
        --initrd ${KEEL_SOURCE_DIR}/build/guest/aarch64/initramfs.cpio.gz
        --append "console=ttyAMA0 keel.test=own-kernel")

# Entered at EL1 (no virtualization extensions): keel says so and stops, status 1
keel_qemu_test(aarch64.entered-at-el1 60 1
    EXPECT "error: entered at EL1. keel must be started at EL2" "keel: stopping"
    REJECT "Linux version"
    RUN --arch aarch64 --timeout 60 -- -M virt,virtualization=off)

keel_qemu_test(aarch64.garbage-kernel 60 1
    EXPECT "not an arm64 Linux Image"
    REJECT "Linux version"
    RUN --arch aarch64 --timeout 60 --kernel ${CMAKE_BINARY_DIR}/bad-images/garbage.img)

# The Raspberry Pi 4 flow on QEMU: U-Boot (qemu_arm64, at EL2) loads keel with booti
keel_qemu_test(aarch64.uboot 150 0
    EXPECT "^U-Boot 20[0-9][0-9]\\.[0-9]+" "^keel [0-9.]+: AArch64 hypervisor" "^keel-guest: clock ok"
        "keel: all VMs have shut down"
    REJECT ${KEEL_NO_PANIC}
    RUN --arch aarch64 --uboot --timeout 150)

# The GIC as a Raspberry Pi 4 shows it under its firmware: the non-secure view of a GIC with
# the Security Extensions (QEMU virt secure=on; QEMU's boot code plays the firmware and leaves
# the interrupts in Group 1). keel's Group 0 writes are ignored; its interrupts must still come.
keel_qemu_test(aarch64.gic-nonsecure 150 0
    EXPECT "keel: GICv2: non-secure view of a GIC with Security Extensions" "keel: starting 1 VM"
        "^keel-guest: cpus 1" "^keel-guest: clock ok" "keel: all VMs have shut down"
    REJECT ${KEEL_NO_PANIC}
    RUN --arch aarch64 --timeout 150 -- -M virt,virtualization=on,secure=on,gic-version=2)

# SMP guest: 2 vCPUs pinned on 2 cores, PSCI CPU_ON, SGIs through the distributor model
keel_qemu_test(aarch64.linux-smp2 150 0
    EXPECT "keel: core 0x1 online" "smp: Brought up 1 node, 2 CPUs" "^keel-guest: cpus 2"
        "^keel-guest: clock ok" "keel: all VMs have shut down"
    REJECT ${KEEL_NO_PANIC}
    RUN --arch aarch64 --smp 2 --vcpus 2 --timeout 150)

# Two vCPUs time-shared on one core: WFI traps and blocks, 4 ms slices on the EL2 physical
# timer, full EL1/FP/vtimer/GICH state switch (docs/architecture.md sections 10 and 14).
keel_qemu_test(aarch64.linux-smp1-vcpus2 150 0
    EXPECT "keel: boot core MPIDR 0x0, 1 core" "keel: VM 'linux': 2 vCPU"
        "smp: Brought up 1 node, 2 CPUs" "^keel-guest: cpus 2"
        "^keel-guest: task for cpu 0 ran on cpu 0" "^keel-guest: task for cpu 1 ran on cpu 1"
        "^keel-guest: sleep 1s took" "^keel-guest: clock ok"
        "^keel-guest: poweroff" "keel: all VMs have shut down: powering off"
    REJECT ${KEEL_NO_PANIC} "failed to come online" "rcu: INFO" "soft lockup" "clock BAD"
    RUN --arch aarch64 --timeout 150 --smp 1 --vcpus 2)

# Bare-metal PSCI/SMCCC/fault/timer checks of our own (tests/guests/aarch64)
keel_qemu_test(aarch64.psci-test 90 0
    EXPECT "^keel [0-9.]+: AArch64 hypervisor" "^psci-test: [0-9]+ passed, 0 failed"
    REJECT "^not ok" ${KEEL_NO_PANIC}
    RUN --arch aarch64 --timeout 90 --smp 2 --vcpus 2
        --kernel ${KEEL_SOURCE_DIR}/build/aarch64/tests/guests/aarch64/psci-test.bin)

# The same checks with both vCPUs time-sharing one core: CPU_ON of the second vCPU, its timer,
# CPU_SUSPEND and faults while it shares the core with the first.
keel_qemu_test(aarch64.psci-test-smp1-vcpus2 90 0
    EXPECT "^keel [0-9.]+: AArch64 hypervisor" "keel: boot core MPIDR 0x0, 1 core"
        "keel: VM 'linux': 2 vCPU" "^psci-test: [0-9]+ passed, 0 failed"
    REJECT "^not ok" ${KEEL_NO_PANIC}
    RUN --arch aarch64 --timeout 90 --smp 1 --vcpus 2
        --kernel ${KEEL_SOURCE_DIR}/build/aarch64/tests/guests/aarch64/psci-test.bin)

# ---- scenarios (issue 4) ----
# Two VMs: Linux (2 vCPUs, harts 0-1) + the bare-metal peer (hart 2), a shared page and the
# doorbell: the message crosses, the peer's read outside its memory faults, each VM shuts down
# on its own, keel powers off after the last.
keel_qemu_test(riscv64.linux-plus-baremetal 180 0
    EXPECT "keel: scenario: 2 VM" "^\\[vm1\\] peer: bare-metal VM 1 up"
        "^\\[vm0\\] keel-guest: cpus 2"
        "^\\[vm1\\] peer: message: \"hello from linux, riscv64\""
        "^\\[vm1\\] peer: read outside my memory at 0x1000000000 faulted"
        "keel: VM 'peer' shut down" "keel: VM 'linux' shut down"
        "keel: all VMs have shut down: powering off"
    REJECT ${KEEL_NO_PANIC} "peer: ERROR"
    RUN --arch riscv64 --smp 3 --timeout 180
        --scenario ${KEEL_SOURCE_DIR}/configs/qemu-virt-riscv64/linux-plus-baremetal.dts)

# Overlapping host memory: a clear error naming both VMs, and no VM starts
keel_qemu_test(riscv64.scenario-overlap 60 1
    EXPECT "keel: error: scenario: VMs 'first' and 'second': their host memory .memory-hpa. overlaps"
        "keel: stopping: no VM was started"
    REJECT "keel: starting"
    RUN --arch riscv64 --timeout 60 --scenario ${KEEL_SOURCE_DIR}/tests/qemu/scenarios/overlap-riscv64.dts)

# The same two VMs on AArch64: Linux (2 vCPUs, cores 0-1) + the bare-metal peer
# (tests/guests/aarch64/peer.c, core 2); the doorbell arrives as SPI INTID 34 through keel's GICv2
# distributor model, the peer's read outside its memory is a data abort (EC 0x25).
keel_qemu_test(aarch64.linux-plus-baremetal 180 0
    EXPECT "keel: scenario: 2 VM" "^\\[vm1\\] peer: bare-metal VM 1 up"
        "^\\[vm0\\] keel-guest: cpus 2"
        "^\\[vm1\\] peer: doorbell interrupt \\(INTID 34\\) from VM bitmap 0x1"
        "^\\[vm1\\] peer: message: \"hello from linux, aarch64\""
        "^\\[vm1\\] peer: read outside my memory at 0x1000000000 faulted \\(EC 0x25\\)"
        "keel: VM 'peer' shut down" "keel: VM 'linux' shut down"
        "keel: all VMs have shut down: powering off"
    REJECT ${KEEL_NO_PANIC} "peer: ERROR"
    RUN --arch aarch64 --smp 3 --timeout 180
        --scenario ${KEEL_SOURCE_DIR}/configs/qemu-virt-aarch64/linux-plus-baremetal.dts)

# The shipped one-VM SMP scenarios (configs/<platform>/linux-smp.dts)
foreach(arch riscv64 aarch64)
    if(arch STREQUAL "riscv64")
        set(platform qemu-virt-riscv64)
    else()
        set(platform qemu-virt-aarch64)
    endif()
    keel_qemu_test(${arch}.scenario-linux-smp 150 0
        EXPECT "keel: scenario: 1 VM" "keel: VM 'linux': 2 vCPU" "^keel-guest: cpus 2"
            "^keel-guest: clock ok" "keel: all VMs have shut down"
        REJECT ${KEEL_NO_PANIC}
        RUN --arch ${arch} --smp 2 --timeout 150
            --scenario ${KEEL_SOURCE_DIR}/configs/${platform}/linux-smp.dts)
endforeach()

# Four VMs at once, each the bench guest alone on its own hart/core (tests/bench/four-vms-ARCH.dts,
# the scenario scripts/bench.sh uses for "exit cost with 1 and 4 VMs"): every VM completes
# its exit-path measurements, shuts down alone, and the last one powers the machine off.
# Under -icount (as in bench.sh) QEMU runs the harts in turn, so the VMs finish in order.
foreach(arch riscv64 aarch64)
    keel_qemu_test(${arch}.four-vms 120 0
        EXPECT "keel: scenario: 4 VM" "VMID 4" "keel: starting 4 VM"
            "^\\[vm0\\] bench: done" "keel: VM 'bench0' shut down" "^\\[vm1\\] bench: done"
            "^\\[vm2\\] bench: done" "^\\[vm3\\] bench: done" "keel: VM 'bench3' shut down"
            "keel: all VMs have shut down: powering off"
        REJECT ${KEEL_NO_PANIC} "bench: error"
        RUN --arch ${arch} --smp 4 --timeout 120
            --scenario ${KEEL_SOURCE_DIR}/tests/bench/four-vms-${arch}.dts -- -icount shift=0)
endforeach()

# VM reboot (issue 4, lifecycle): the reboot guest asks for a reboot once; keel
# reloads it from its pristine image (its .data holds the initial value again) and restarts it
# alone while a second VM runs on the other hart; both shut down and keel powers off.
# (RISC-V: SBI SRST cold reboot; AArch64: PSCI SYSTEM_RESET, from inside an SGI it never ends:
# the new boot must get that SGI's priority back, so its list registers were emptied)
foreach(arch riscv64 aarch64)
    set(new_boot_sgi "")
    if(arch STREQUAL "aarch64")
        set(new_boot_sgi "^\\[vm0\\] reboot: an SGI reaches the new boot")
    endif()
    keel_qemu_test(${arch}.vm-reboot 60 0
        EXPECT "keel: starting 2 VM" "^\\[vm0\\] reboot: first boot"
            "keel: VM 'rebooter' reboots" "^\\[vm0\\] reboot: boot 2"
            "^\\[vm0\\] reboot: reloaded from the pristine image" ${new_boot_sgi}
            "keel: all VMs have shut down: powering off"
        REJECT ${KEEL_NO_PANIC} "reboot: ERROR" "bench: error"
        RUN --arch ${arch} --smp 2 --timeout 60
            --scenario ${KEEL_SOURCE_DIR}/tests/qemu/scenarios/reboot-${arch}.dts)
endforeach()

# SMP Linux reboot: a 2-vCPU Linux VM reboots itself once (its /init, keel.reboot=); keel stops
# both vCPUs, reloads the images and starts the VM again, which comes up with 2 CPUs and powers off.
# Its RISC-V twin was quarantined for a while: multi-hart VMs stalled now and then. The causes
# were a VSEIP level a reboot left high, a lost idle wake-up on time-shared harts, a dropped
# VSEIP level not sent to the other hart, and a QEMU 7.2 race that withdraws a guest's Sstc
# timer interrupt (docs/architecture.md sections 9 and 10); it passed 72 repeats after the fixes.
foreach(arch riscv64 aarch64)
    keel_qemu_test(${arch}.linux-smp-reboot 200 0
        EXPECT "keel: VM 'linux': 2 vCPU" "^keel-guest: cpus 2" "^keel-guest: first boot: rebooting"
            "keel: VM 'linux' reboots" "Linux version" "^keel-guest: cpus 2"
            "^keel-guest: booted again after a reboot" "^keel-guest: poweroff"
            "keel: all VMs have shut down: powering off"
        REJECT ${KEEL_NO_PANIC} "failed to come online"
        RUN --arch ${arch} --smp 2 --timeout 200
            --scenario ${KEEL_SOURCE_DIR}/tests/qemu/scenarios/linux-reboot-${arch}.dts)
endforeach()

# Pass-through devices (issue 4, scenarios): a VM owns QEMU's RTC, its window and its interrupt,
# delivered twice: keel re-opens the host's delivery when the guest completes the virtual one.
# RISC-V: goldfish RTC, host PLIC source 11 -> guest source 12 (the host source stays claimed).
# AArch64: PL031 at another GPA, host SPI 34 -> guest INTID 40 (the host SPI stays masked).
keel_qemu_test(riscv64.passthrough 60 0
    EXPECT "keel: VM 'owner': pass-through 'rtc@101000': host 0x101000-0x101fff at GPA 0x101000, interrupts \\(host->guest\\) 11->12"
        "^ptdev: RTC at GPA 0x101000 reads [0-9]+ s since 1970 and advances"
        "^ptdev: alarm 1: interrupt on virtual PLIC source 12" "^ptdev: alarm 2: interrupt on virtual PLIC source 12"
        "^ptdev: the page below the window \\(0x100000\\) faults" "^ptdev: all checks passed \\(0 errors\\)"
        "keel: all VMs have shut down: powering off"
    REJECT ${KEEL_NO_PANIC} "ptdev: ERROR"
    RUN --arch riscv64 --timeout 60 --scenario ${KEEL_SOURCE_DIR}/tests/qemu/scenarios/passthrough-riscv64.dts)
keel_qemu_test(aarch64.passthrough 60 0
    EXPECT "keel: VM 'owner': pass-through 'rtc@9010000': host 0x9010000-0x9010fff at GPA 0xa200000, interrupts \\(host->guest\\) 34->40"
        "^ptdev: PL031 at GPA 0xa200000" "^ptdev: RTCDR reads [0-9]+ s since 1970"
        "^ptdev: alarm 1: interrupt on virtual INTID 40" "^ptdev: alarm 2: interrupt on virtual INTID 40"
        "^ptdev: the page after the window \\(0xa201000\\) faults" "^ptdev: all checks passed \\(0 errors\\)"
        "keel: all VMs have shut down: powering off"
    REJECT ${KEEL_NO_PANIC} "ptdev: ERROR"
    RUN --arch aarch64 --timeout 60 --scenario ${KEEL_SOURCE_DIR}/tests/qemu/scenarios/passthrough-aarch64.dts)
# Refused before any VM starts, with the VM, the device and the reason named.
keel_qemu_test(riscv64.passthrough-refused 60 1
    EXPECT "keel: error: VM 'owner': pass-through 'plic': host window 0xc000000-0xc000fff overlaps the PLIC"
        "keel: stopping: no VM was started"
    REJECT "PANIC" "ptdev:"
    RUN --arch riscv64 --timeout 60 --scenario ${KEEL_SOURCE_DIR}/tests/qemu/scenarios/passthrough-bad-riscv64.dts)
keel_qemu_test(aarch64.passthrough-refused 60 1
    EXPECT "keel: error: VM 'owner': pass-through 'gicv': host window 0x8040000-0x8041fff overlaps the GIC virtual CPU interface"
        "keel: stopping: no VM was started"
    REJECT "PANIC" "ptdev:"
    RUN --arch aarch64 --timeout 60 --scenario ${KEEL_SOURCE_DIR}/tests/qemu/scenarios/passthrough-bad-aarch64.dts)

# --- SMP guests and the vCPU scheduler (issue 4) ---
# Two vCPUs on two harts, one each: started through SBI HSM on their own hart, IPIs and remote
# fences across harts; the unaligned-access probe runs on CPU 1 (a task on the second vCPU).
keel_qemu_test(riscv64.linux-smp2 150 0
    EXPECT "keel: boot hart [0-9]+, 2 hart" "keel: VM 'linux': 2 vCPU" "keel: hart [0-9]+ online"
        "smp: Brought up 1 node, 2 CPUs" "cpu1: Ratio of byte access time"
        "^keel-guest: cpus 2" "^keel-guest: clock ok" "^keel-guest: poweroff"
        "keel: all VMs have shut down: powering off"
    REJECT ${KEEL_NO_PANIC} "failed to come online" "rcu: INFO" "soft lockup"
    RUN --arch riscv64 --timeout 150 --smp 2 --vcpus 2)

# Two vCPUs time-shared on one hart: round-robin slices from keel's timer, guest WFI traps and
# yields, FP and VS state switched between the two.
keel_qemu_test(riscv64.linux-smp1-vcpus2 150 0
    EXPECT "keel: boot hart [0-9]+, 1 hart" "keel: VM 'linux': 2 vCPU"
        "smp: Brought up 1 node, 2 CPUs" "cpu1: Ratio of byte access time"
        "^keel-guest: cpus 2" "^keel-guest: task for cpu 1 ran on cpu 1" "^keel-guest: clock ok"
        "^keel-guest: poweroff" "keel: all VMs have shut down: powering off"
    REJECT ${KEEL_NO_PANIC} "failed to come online" "rcu: INFO" "soft lockup"
    RUN --arch riscv64 --timeout 150 --smp 1 --vcpus 2)

# The same without Sstc: the guests' SBI timers and keel's slices share keel's one timer
# (SBI TIME to OpenSBI), and a descheduled vCPU's timer deadline wakes it.
keel_qemu_test(riscv64.linux-smp1-vcpus2-nosstc 150 0
    EXPECT "Sstc no" "smp: Brought up 1 node, 2 CPUs" "^keel-guest: cpus 2" "^keel-guest: clock ok"
        "keel: all VMs have shut down: powering off"
    REJECT ${KEEL_NO_PANIC} "failed to come online" "rcu: INFO" "soft lockup"
    RUN --arch riscv64 --timeout 150 --smp 1 --vcpus 2 -- -cpu rv64,sstc=off)

# Console input focus (issue 4, consoles): two VMs run the echo guest; input starts with 'left'.
# Ctrl-A three times moves the focus to 'right' and three more back to 'left', which gets the
# first line. Once 'left' has shut down, the focus moves to 'right' and the next switch skips
# 'left'; a lone Ctrl-A inside the last line is passed on to the guest. The first switch waits
# for both VMs' banners, which come in either order.
foreach(arch riscv64 aarch64)
    add_test(NAME qemu.${arch}.console-focus
        COMMAND ${KEEL_EXPECT} --log ${KEEL_QEMU_LOGS}/${arch}.console-focus.log --exit 0
            --when-seen "^\\[vm1\\] echo: ready"
            --send-after "^\\[vm0\\] echo: ready" "\\x01\\x01\\x01"
            --send-after "input now goes to VM 'right'" "\\x01\\x01\\x01"
            --send-after "input now goes to VM 'left'" "left line\\r"
            --send-after "keel: VM 'left' shut down" "\\x01\\x01\\x01\\x01\\x01\\x01one\\x01two\\r"
            --expect "^\\[vm0\\] echo: ready"
            --expect "keel: console input now goes to VM 'right'"
            --expect "keel: console input now goes to VM 'left'"
            --expect "^\\[vm0\\] echo: got \"left line\" \\(9 bytes\\)"
            --expect "keel: VM 'left' shut down"
            --expect "keel: console input now goes to VM 'right'"
            --expect "keel: console input now goes to VM 'right'"
            --expect "^\\[vm1\\] echo: got \"one\\^Atwo\" \\(7 bytes\\)"
            --expect "keel: all VMs have shut down: powering off"
            --reject "PANIC" --reject "keel: error" --reject "echo: ERROR"
            -- ${KEEL_RUN} --arch ${arch} --smp 2 --timeout 60
                --scenario ${KEEL_SOURCE_DIR}/tests/qemu/scenarios/focus-${arch}.dts)
    set_tests_properties(qemu.${arch}.console-focus PROPERTIES LABELS qemu TIMEOUT 120)
endforeach()
