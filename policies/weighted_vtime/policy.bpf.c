/* SPDX-License-Identifier: GPL-2.0 */
/*
 * weighted_vtime: weighted fair sharing by virtual time, in the spirit of CFS/EEVDF.
 *
 * Every task carries a virtual time that advances by its CPU use divided by its weight
 * (nice 0 = 100), so a nice -5 task advances about three times slower than a nice 0 task and
 * receives about three times the CPU. Runnable tasks wait in one vtime-ordered queue; the
 * task that has received the least weighted service runs next. A sleeper's credit is capped
 * at max_lag_slices slices so a long sleep does not buy a monopoly on wakeup.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define FAIR_DSQ 0

const volatile u64 slice_ns = 3000000ULL;
/* How many slices of credit a sleeping task may bank (bounds wakeup burstiness). */
const volatile u64 max_lag_slices = 1;

/* The vtime of the most recently started task: the queue's "now". */
static u64 vtime_now;

UEI_DEFINE(uei);

static __always_inline bool before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

s32 BPF_STRUCT_OPS(wvt_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (idle)
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(wvt_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 floor = vtime_now - max_lag_slices * slice_ns;
	u64 vtime = p->scx.dsq_vtime;

	if (before(vtime, floor))
		vtime = floor;
	scx_bpf_dispatch_vtime(p, FAIR_DSQ, slice_ns, vtime, enq_flags);
}

void BPF_STRUCT_OPS(wvt_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_consume(FAIR_DSQ);
}

void BPF_STRUCT_OPS(wvt_running, struct task_struct *p)
{
	/* Racy across CPUs by design: a stale maximum only delays the floor slightly. */
	if (before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(wvt_stopping, struct task_struct *p, bool runnable)
{
	u64 used = slice_ns > p->scx.slice ? slice_ns - p->scx.slice : 0;
	u32 weight = p->scx.weight ? p->scx.weight : 1;

	p->scx.dsq_vtime += used * 100 / weight;
}

void BPF_STRUCT_OPS(wvt_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(wvt_init)
{
	return scx_bpf_create_dsq(FAIR_DSQ, -1);
}

void BPF_STRUCT_OPS(wvt_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(weighted_vtime_ops,
	       .select_cpu	= (void *)wvt_select_cpu,
	       .enqueue		= (void *)wvt_enqueue,
	       .dispatch	= (void *)wvt_dispatch,
	       .running		= (void *)wvt_running,
	       .stopping	= (void *)wvt_stopping,
	       .enable		= (void *)wvt_enable,
	       .init		= (void *)wvt_init,
	       .exit		= (void *)wvt_exit,
	       .name		= "weighted_vtime");
