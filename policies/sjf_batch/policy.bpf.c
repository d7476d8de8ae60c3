/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sjf_batch: shortest (or longest) expected job first, with aging, for batch sets.
 *
 * The expected length of a task's next run is predicted from an EWMA of its past runs. Tasks
 * wait in one queue ordered by   enqueue_time + expected_weight * expected_ns   so short jobs
 * overtake long ones (minimising mean completion time of a batch), while the enqueue time
 * term ages every task so long jobs still finish. With longest_first the prediction is
 * inverted (max_burst_ns - expected), which front-loads the long jobs of a batch so the
 * makespan is not dominated by one straggler started last.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define JOB_DSQ 0

const volatile u64 slice_ns = 10000000ULL;
const volatile bool longest_first = false;
/* Nanoseconds of waiting one nanosecond of expected runtime is worth. */
const volatile u32 expected_weight = 4;
/* Predictions are clamped here so one huge burst cannot push a task back forever. */
const volatile u64 max_burst_ns = 100000000ULL;

struct task_ctx {
	u64 started_at;
	u64 expected_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctxs SEC(".maps");

UEI_DEFINE(uei);

s32 BPF_STRUCT_OPS(sjf_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (idle)
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(sjf_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	u64 expected = tctx ? tctx->expected_ns : 0;
	u64 key;

	if (expected > max_burst_ns)
		expected = max_burst_ns;
	if (longest_first)
		expected = max_burst_ns - expected;
	key = bpf_ktime_get_ns() + expected * expected_weight;
	scx_bpf_dispatch_vtime(p, JOB_DSQ, slice_ns, key, enq_flags);
}

void BPF_STRUCT_OPS(sjf_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_consume(JOB_DSQ);
}

void BPF_STRUCT_OPS(sjf_running, struct task_struct *p)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);

	if (tctx)
		tctx->started_at = bpf_ktime_get_ns();
}

void BPF_STRUCT_OPS(sjf_stopping, struct task_struct *p, bool runnable)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	u64 now = bpf_ktime_get_ns(), ran;

	if (!tctx || !tctx->started_at)
		return;
	ran = now > tctx->started_at ? now - tctx->started_at : 0;
	/* EWMA, newest run weighted 1/2: job phases change quickly in batch sets. */
	tctx->expected_ns = (tctx->expected_ns + ran) / 2;
}

s32 BPF_STRUCT_OPS(sjf_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	if (!bpf_task_storage_get(&task_ctxs, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		return -ENOMEM;
	return 0;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(sjf_init)
{
	return scx_bpf_create_dsq(JOB_DSQ, -1);
}

void BPF_STRUCT_OPS(sjf_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(sjf_batch_ops,
	       .select_cpu	= (void *)sjf_select_cpu,
	       .enqueue		= (void *)sjf_enqueue,
	       .dispatch	= (void *)sjf_dispatch,
	       .running		= (void *)sjf_running,
	       .stopping	= (void *)sjf_stopping,
	       .init_task	= (void *)sjf_init_task,
	       .init		= (void *)sjf_init,
	       .exit		= (void *)sjf_exit,
	       .name		= "sjf_batch");
