/* SPDX-License-Identifier: GPL-2.0 */
/*
 * percpu_steal: a private FIFO queue per CPU, with work stealing by CPUs that run dry.
 *
 * A task is queued on the CPU it last ran on (warm caches, no shared-queue contention). A CPU
 * serves its own queue first; only when it is empty does it scan the other CPUs' queues, in
 * round-robin order starting after itself, and steal the head of the first queue holding at
 * least steal_min tasks. Enqueue wakes an idle CPU so stealing starts promptly.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define MAX_CPUS 1024

const volatile u64 slice_ns = 4000000ULL;
/* A victim queue must hold at least this many tasks before another CPU steals from it. */
const volatile u32 steal_min = 1;

static u32 nr_cpus = 1;
u64 nr_steals, nr_local;

UEI_DEFINE(uei);

s32 BPF_STRUCT_OPS(pcs_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (idle)
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(pcs_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 cpu = scx_bpf_task_cpu(p);
	s32 idle;

	if (cpu < 0 || (u32)cpu >= nr_cpus)
		cpu = 0;
	scx_bpf_dispatch(p, (u64)cpu, slice_ns, enq_flags);
	/* Wake an idle CPU the task may run on: it will take this task or steal it. */
	idle = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	if (idle >= 0)
		scx_bpf_kick_cpu(idle, SCX_KICK_IDLE);
}

void BPF_STRUCT_OPS(pcs_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 i, victim;

	if (scx_bpf_consume((u64)cpu)) {
		__sync_fetch_and_add(&nr_local, 1);
		return;
	}
	bpf_for(i, 1, nr_cpus) {
		victim = ((u32)cpu + i) % nr_cpus;
		if (scx_bpf_dsq_nr_queued(victim) < (s32)steal_min)
			continue;
		if (scx_bpf_consume(victim)) {
			__sync_fetch_and_add(&nr_steals, 1);
			return;
		}
	}
}

s32 BPF_STRUCT_OPS_SLEEPABLE(pcs_init)
{
	u32 i;
	s32 ret;

	nr_cpus = scx_bpf_nr_cpu_ids();
	if (nr_cpus > MAX_CPUS)
		nr_cpus = MAX_CPUS;
	bpf_for(i, 0, nr_cpus) {
		ret = scx_bpf_create_dsq(i, -1);
		if (ret)
			return ret;
	}
	return 0;
}

void BPF_STRUCT_OPS(pcs_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(percpu_steal_ops,
	       .select_cpu	= (void *)pcs_select_cpu,
	       .enqueue		= (void *)pcs_enqueue,
	       .dispatch	= (void *)pcs_dispatch,
	       .init		= (void *)pcs_init,
	       .exit		= (void *)pcs_exit,
	       .name		= "percpu_steal");
