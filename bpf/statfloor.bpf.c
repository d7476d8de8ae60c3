/* The measurement floor of BPF run-time statistics on this host: empty programs on the probes'
 * hottest hooks. Their ns/event is what the kernel's accounting itself costs per run (a
 * sched_clock() read around each program), which every probe's and every peer's figure includes.
 * Used by the probe benchmark only; not in the probe catalogue. */
#include "common.bpf.h"

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch, bool preempt, struct task_struct *prev, struct task_struct *next) { return 0; }
SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id) { return 0; }
