/* SPDX-License-Identifier: GPL-2.0 */
/*
 * interactive_boost: latency boost for tasks that run briefly and sleep often.
 *
 * Each task's run bursts are tracked with an exponentially weighted moving average. A task
 * whose average burst is under burst_threshold_ns and that last stopped by sleeping (not by
 * exhausting its slice) is classed interactive: it goes into a FIFO queue that CPUs serve
 * before the batch queue, with a short slice. Everything else shares a weighted-vtime batch
 * queue. To keep batch work from starving, after starve_limit consecutive interactive
 * dispatches one batch task is served first.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define INTERACTIVE_DSQ 0
#define BATCH_DSQ 1

const volatile u64 burst_threshold_ns = 2000000ULL;
const volatile u64 interactive_slice_ns = 1000000ULL;
const volatile u64 batch_slice_ns = 8000000ULL;
const volatile u32 starve_limit = 8;

struct task_ctx {
	u64 started_at;
	u64 avg_burst_ns;
	bool slept;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctxs SEC(".maps");

static u64 vtime_now;
static u32 interactive_streak;
u64 nr_interactive, nr_batch;

UEI_DEFINE(uei);

static __always_inline bool is_interactive(struct task_struct *p)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);

	return tctx && tctx->slept && tctx->avg_burst_ns < burst_threshold_ns;
}

s32 BPF_STRUCT_OPS(ib_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (idle)
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, is_interactive(p) ? interactive_slice_ns : batch_slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(ib_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;

	if (is_interactive(p)) {
		__sync_fetch_and_add(&nr_interactive, 1);
		scx_bpf_dispatch(p, INTERACTIVE_DSQ, interactive_slice_ns, enq_flags);
		return;
	}
	__sync_fetch_and_add(&nr_batch, 1);
	if ((s64)(vtime - (vtime_now - batch_slice_ns)) < 0)
		vtime = vtime_now - batch_slice_ns;
	scx_bpf_dispatch_vtime(p, BATCH_DSQ, batch_slice_ns, vtime, enq_flags);
}

void BPF_STRUCT_OPS(ib_dispatch, s32 cpu, struct task_struct *prev)
{
	if (interactive_streak >= starve_limit) {
		interactive_streak = 0;
		if (scx_bpf_consume(BATCH_DSQ))
			return;
	}
	if (scx_bpf_consume(INTERACTIVE_DSQ)) {
		interactive_streak++;
		return;
	}
	interactive_streak = 0;
	scx_bpf_consume(BATCH_DSQ);
}

void BPF_STRUCT_OPS(ib_running, struct task_struct *p)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);

	if (tctx)
		tctx->started_at = bpf_ktime_get_ns();
	if ((s64)(vtime_now - p->scx.dsq_vtime) < 0)
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(ib_stopping, struct task_struct *p, bool runnable)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	u64 now = bpf_ktime_get_ns(), burst;
	u32 weight = p->scx.weight ? p->scx.weight : 1;

	if (!tctx)
		return;
	burst = now > tctx->started_at ? now - tctx->started_at : 0;
	/* EWMA with weight 1/4 for the newest burst: reacts within a few wakeups. */
	tctx->avg_burst_ns = (tctx->avg_burst_ns * 3 + burst) / 4;
	tctx->slept = !runnable;
	p->scx.dsq_vtime += burst * 100 / weight;
}

s32 BPF_STRUCT_OPS(ib_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	if (!bpf_task_storage_get(&task_ctxs, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		return -ENOMEM;
	return 0;
}

void BPF_STRUCT_OPS(ib_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(ib_init)
{
	s32 ret = scx_bpf_create_dsq(INTERACTIVE_DSQ, -1);

	if (ret)
		return ret;
	return scx_bpf_create_dsq(BATCH_DSQ, -1);
}

void BPF_STRUCT_OPS(ib_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(interactive_boost_ops,
	       .select_cpu	= (void *)ib_select_cpu,
	       .enqueue		= (void *)ib_enqueue,
	       .dispatch	= (void *)ib_dispatch,
	       .running		= (void *)ib_running,
	       .stopping	= (void *)ib_stopping,
	       .init_task	= (void *)ib_init_task,
	       .enable		= (void *)ib_enable,
	       .init		= (void *)ib_init,
	       .exit		= (void *)ib_exit,
	       .name		= "interactive_boost");
