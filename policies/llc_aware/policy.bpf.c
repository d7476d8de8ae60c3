/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llc_aware: cache-aware placement with one queue per last-level cache (LLC) domain.
 *
 * CPUs are grouped into LLC domains of cpus_per_llc consecutive CPU ids: set it from
 * /sys/devices/system/cpu/cpu0/cache/index3/shared_cpu_list (the kernel's per-CPU sd_llc_id
 * would need a kallsyms address, which minimal kernels lack, so it is not used). A waking task keeps its previous CPU when that is idle, else takes an
 * idle CPU sharing the previous CPU's LLC, and only then any idle CPU. Queued tasks wait in
 * their LLC's queue; a CPU serves its own LLC first and crosses LLCs only when its domain has
 * no work (and cross_llc is set), trading a little balance for warm caches.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define MAX_CPUS 1024
#define LLC_DSQ_BASE 1000

const volatile u64 slice_ns = 5000000ULL;
/* CPUs per last-level cache, consecutive ids (cpu / cpus_per_llc is the LLC index). */
const volatile u32 cpus_per_llc = 4;
const volatile bool cross_llc = true;

static u32 nr_cpus = 1;
u64 nr_same_llc, nr_cross_llc;

UEI_DEFINE(uei);

/* The LLC id is the first CPU of the domain, so it doubles as a queue index below nr_cpus. */
static __always_inline u32 llc_of(s32 cpu)
{
	return cpus_per_llc ? ((u32)cpu / cpus_per_llc) * cpus_per_llc : 0;
}

/*
 * Claim an idle CPU in @llc that @p may run on, or return -1. The domain is the consecutive ids
 * llc .. llc + cpus_per_llc - 1, so only those are scanned (this runs on every wakeup).
 */
static s32 idle_cpu_in_llc(struct task_struct *p, u32 llc)
{
	u32 cpu, end = llc + (cpus_per_llc ? cpus_per_llc : nr_cpus);

	if (end > nr_cpus)
		end = nr_cpus;
	bpf_for(cpu, llc, end) {
		if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			continue;
		if (scx_bpf_test_and_clear_cpu_idle(cpu))
			return cpu;
	}
	return -1;
}

s32 BPF_STRUCT_OPS(llc_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu;

	if (bpf_cpumask_test_cpu(prev_cpu, p->cpus_ptr) && scx_bpf_test_and_clear_cpu_idle(prev_cpu)) {
		cpu = prev_cpu;
		goto direct;
	}
	cpu = idle_cpu_in_llc(p, llc_of(prev_cpu));
	if (cpu >= 0)
		goto direct;
	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);
	if (idle)
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
direct:
	__sync_fetch_and_add(&nr_same_llc, 1);
	scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(llc_enqueue, struct task_struct *p, u64 enq_flags)
{
	u32 llc = llc_of(scx_bpf_task_cpu(p));
	s32 idle;

	scx_bpf_dispatch(p, LLC_DSQ_BASE + llc, slice_ns, enq_flags);
	/* Claim and wake an idle sibling in the same LLC: it will consume this LLC's queue. */
	idle = idle_cpu_in_llc(p, llc);
	if (idle >= 0)
		scx_bpf_kick_cpu(idle, SCX_KICK_IDLE);
}

void BPF_STRUCT_OPS(llc_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 own = llc_of(cpu), i;

	if (scx_bpf_consume(LLC_DSQ_BASE + own) || !cross_llc)
		return;
	bpf_for(i, 0, nr_cpus) {
		if (i == own || llc_of(i) != i)
			continue;
		if (scx_bpf_consume(LLC_DSQ_BASE + i)) {
			__sync_fetch_and_add(&nr_cross_llc, 1);
			return;
		}
	}
}

s32 BPF_STRUCT_OPS_SLEEPABLE(llc_init)
{
	u32 i;
	s32 ret;

	nr_cpus = scx_bpf_nr_cpu_ids();
	if (nr_cpus > MAX_CPUS)
		nr_cpus = MAX_CPUS;
	/* One queue per possible LLC id (an LLC id is a CPU number). */
	bpf_for(i, 0, nr_cpus) {
		ret = scx_bpf_create_dsq(LLC_DSQ_BASE + i, -1);
		if (ret)
			return ret;
	}
	return 0;
}

void BPF_STRUCT_OPS(llc_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(llc_aware_ops,
	       .select_cpu	= (void *)llc_select_cpu,
	       .enqueue		= (void *)llc_enqueue,
	       .dispatch	= (void *)llc_dispatch,
	       .init		= (void *)llc_init,
	       .exit		= (void *)llc_exit,
	       .name		= "llc_aware");
