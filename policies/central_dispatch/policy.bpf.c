/* SPDX-License-Identifier: GPL-2.0 */
/*
 * central_dispatch: one CPU makes every scheduling decision for the whole machine.
 *
 * Runnable tasks are pushed (by pid) onto one BPF queue map. Only central_cpu pops it: for each
 * task it claims an idle CPU the task may use and dispatches the task straight into that CPU's
 * local queue (SCX_DSQ_LOCAL_ON), kicking it awake; with no idle CPU the task queues behind
 * the CPU it last ran on. Other CPUs make no decisions: when they run dry they only
 * ask the central CPU for work. Per-CPU kernel threads bypass the central path (they must
 * run where they are), and a queue overflow falls back to a shared FIFO so no task is lost.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define FALLBACK_DSQ 0

const volatile s32 central_cpu = 0;
const volatile u64 slice_ns = 20000000ULL;

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8192);
	__type(value, s32);
} central_q SEC(".maps");

u64 nr_central, nr_overflow, nr_lost;

UEI_DEFINE(uei);

s32 BPF_STRUCT_OPS(central_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	/* Placement is the central CPU's job; keep the task where it was until then. */
	return prev_cpu;
}

void BPF_STRUCT_OPS(central_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 pid = p->pid;

	if ((p->flags & PF_KTHREAD) && p->nr_cpus_allowed == 1) {
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice_ns, enq_flags | SCX_ENQ_PREEMPT);
		return;
	}
	if (bpf_map_push_elem(&central_q, &pid, 0)) {
		__sync_fetch_and_add(&nr_overflow, 1);
		scx_bpf_dispatch(p, FALLBACK_DSQ, slice_ns, enq_flags);
		return;
	}
	__sync_fetch_and_add(&nr_central, 1);
	if (bpf_get_smp_processor_id() != (u32)central_cpu)
		scx_bpf_kick_cpu(central_cpu, SCX_KICK_IDLE);
}

/* Runs on the central CPU: hand queued tasks to idle CPUs, the rest to itself. */
static void central_distribute(void)
{
	u32 i, slots = scx_bpf_dispatch_nr_slots();

	bpf_for(i, 0, slots) {
		struct task_struct *p;
		s32 pid, target;

		if (bpf_map_pop_elem(&central_q, &pid))
			break;
		p = bpf_task_from_pid(pid);
		if (!p) {
			__sync_fetch_and_add(&nr_lost, 1); /* exited while queued */
			continue;
		}
		target = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
		/*
		 * Every allowed CPU is busy: queue behind the task's last CPU rather than piling all
		 * overflow on the central CPU (the kernel falls back to the global queue if affinity
		 * changed meanwhile).
		 */
		if (target < 0)
			target = scx_bpf_task_cpu(p);
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL_ON | target, slice_ns, 0);
		if (target != central_cpu)
			scx_bpf_kick_cpu(target, SCX_KICK_IDLE);
		bpf_task_release(p);
	}
}

void BPF_STRUCT_OPS(central_dispatch, s32 cpu, struct task_struct *prev)
{
	s32 pid;

	if (cpu == central_cpu) {
		central_distribute();
		scx_bpf_consume(FALLBACK_DSQ);
		return;
	}
	if (scx_bpf_consume(FALLBACK_DSQ))
		return;
	/* Out of work: if anything waits centrally, ask the central CPU to hand it out. */
	if (!bpf_map_peek_elem(&central_q, &pid))
		scx_bpf_kick_cpu(central_cpu, SCX_KICK_PREEMPT);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(central_init)
{
	if (central_cpu < 0 || (u32)central_cpu >= scx_bpf_nr_cpu_ids()) {
		scx_bpf_error("central_cpu %d is not a valid CPU", central_cpu);
		return -EINVAL;
	}
	return scx_bpf_create_dsq(FALLBACK_DSQ, -1);
}

void BPF_STRUCT_OPS(central_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(central_dispatch_ops,
	       .select_cpu	= (void *)central_select_cpu,
	       .enqueue		= (void *)central_enqueue,
	       .dispatch	= (void *)central_dispatch,
	       .init		= (void *)central_init,
	       .exit		= (void *)central_exit,
	       .name		= "central_dispatch");
