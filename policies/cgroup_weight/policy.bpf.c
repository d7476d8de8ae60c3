/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup_weight: CPU shared between cgroups in proportion to their cpu.weight.
 *
 * Each cgroup has a virtual time (cgroup local storage) that advances by the CPU time its
 * tasks use divided by the cgroup's cpu.weight (default 100). Tasks are queued by the virtual
 * time of their cgroup, so a cgroup with weight 200 is charged half as fast as one with 100
 * and gets about twice the CPU when both are busy - however many threads each runs. Inside a
 * cgroup, tasks run in arrival order. An idle cgroup keeps at most one slice of credit.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define SHARED_DSQ 0

const volatile u64 slice_ns = 4000000ULL;

struct cgrp_ctx {
	u64 vtime;
	u32 weight;
};

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cgrp_ctx);
} cgrp_ctxs SEC(".maps");

static u64 vtime_now;
u64 nr_no_cgroup;

UEI_DEFINE(uei);

static __always_inline struct cgrp_ctx *task_cgrp_ctx(struct task_struct *p, struct cgroup **cgrpp)
{
	struct cgroup *cgrp = __COMPAT_scx_bpf_task_cgroup(p);
	struct cgrp_ctx *cctx;

	*cgrpp = cgrp;
	if (!cgrp)
		return NULL;
	cctx = bpf_cgrp_storage_get(&cgrp_ctxs, cgrp, 0, 0);
	return cctx;
}

s32 BPF_STRUCT_OPS(cgw_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (idle)
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(cgw_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct cgroup *cgrp;
	struct cgrp_ctx *cctx = task_cgrp_ctx(p, &cgrp);
	u64 vtime = vtime_now;

	if (cctx) {
		/* Credit of an idle cgroup is capped at one slice. */
		if ((s64)(cctx->vtime - (vtime_now - slice_ns)) < 0)
			cctx->vtime = vtime_now - slice_ns;
		vtime = cctx->vtime;
	} else {
		__sync_fetch_and_add(&nr_no_cgroup, 1);
	}
	if (cgrp)
		bpf_cgroup_release(cgrp);
	scx_bpf_dispatch_vtime(p, SHARED_DSQ, slice_ns, vtime, enq_flags);
}

void BPF_STRUCT_OPS(cgw_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_consume(SHARED_DSQ);
}

void BPF_STRUCT_OPS(cgw_running, struct task_struct *p)
{
	if ((s64)(vtime_now - p->scx.dsq_vtime) < 0)
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(cgw_stopping, struct task_struct *p, bool runnable)
{
	struct cgroup *cgrp;
	struct cgrp_ctx *cctx = task_cgrp_ctx(p, &cgrp);
	u64 used = slice_ns > p->scx.slice ? slice_ns - p->scx.slice : 0;

	if (cctx)
		__sync_fetch_and_add(&cctx->vtime, used * 100 / (cctx->weight ? cctx->weight : 100));
	if (cgrp)
		bpf_cgroup_release(cgrp);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(cgw_cgroup_init, struct cgroup *cgrp, struct scx_cgroup_init_args *args)
{
	struct cgrp_ctx *cctx = bpf_cgrp_storage_get(&cgrp_ctxs, cgrp, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!cctx)
		return -ENOMEM;
	cctx->weight = args->weight;
	cctx->vtime = vtime_now;
	return 0;
}

void BPF_STRUCT_OPS(cgw_cgroup_set_weight, struct cgroup *cgrp, u32 weight)
{
	struct cgrp_ctx *cctx = bpf_cgrp_storage_get(&cgrp_ctxs, cgrp, 0, 0);

	if (cctx)
		cctx->weight = weight;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(cgw_init)
{
	return scx_bpf_create_dsq(SHARED_DSQ, -1);
}

void BPF_STRUCT_OPS(cgw_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(cgroup_weight_ops,
	       .select_cpu		= (void *)cgw_select_cpu,
	       .enqueue			= (void *)cgw_enqueue,
	       .dispatch		= (void *)cgw_dispatch,
	       .running			= (void *)cgw_running,
	       .stopping		= (void *)cgw_stopping,
	       .cgroup_init		= (void *)cgw_cgroup_init,
	       .cgroup_set_weight	= (void *)cgw_cgroup_set_weight,
	       .init			= (void *)cgw_init,
	       .exit			= (void *)cgw_exit,
	       .flags			= SCX_OPS_HAS_CGROUP_WEIGHT,
	       .name			= "cgroup_weight");
