/* Shared filters and helpers for every probe: pid (tgid), comm and cgroup v2 id, set by the loader. */
#ifndef SCHEDCP_COMMON_BPF_H
#define SCHEDCP_COMMON_BPF_H
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define TASK_COMM_LEN 16
#define MAX_SLOTS 32

const volatile __u32 targ_tgid = 0;
const volatile __u32 self_tgid = 0; /* the loader itself is never counted */
const volatile __u64 targ_cgid = 0;
const volatile char targ_comm[TASK_COMM_LEN] = {};
const volatile bool filter_comm = false;

static __always_inline bool comm_matches(const char *comm)
{
	if (!filter_comm)
		return true;
	for (int i = 0; i < TASK_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (comm[i] == 0)
			break;
	}
	return true;
}

static __always_inline bool task_wanted(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);
	if ((targ_tgid && tgid != targ_tgid) || (self_tgid && tgid == self_tgid))
		return false;
	if (targ_cgid && BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id) != targ_cgid)
		return false;
	if (filter_comm) {
		char comm[TASK_COMM_LEN];
		BPF_CORE_READ_STR_INTO(&comm, t, comm);
		return comm_matches(comm);
	}
	return true;
}

static __always_inline bool current_wanted(void)
{
	return task_wanted((struct task_struct *)bpf_get_current_task());
}

/* Whether the task switched out at sched_switch stays on the run queue (preempted) instead of
 * blocking. tp_btf passes the raw __state plus the preempt flag: a task preempted between
 * set_current_state() and schedule() is not TASK_RUNNING but still runnable. The classic tracepoint
 * folds preemption into prev_state as TASK_REPORT_MAX (0x100 since Linux 4.14). */
static __always_inline bool prev_runnable_btf(bool preempt, long prev_state)
{
	return preempt || prev_state == 0;
}

#define TP_TASK_REPORT_MAX 0x100
static __always_inline bool prev_runnable_tp(long prev_state)
{
	return prev_state == 0 || (prev_state & TP_TASK_REPORT_MAX);
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;
	while (v > 1 && slot < MAX_SLOTS - 1) {
		v >>= 1;
		slot++;
	}
	return slot;
}

char LICENSE[] SEC("license") = "GPL";
#endif
