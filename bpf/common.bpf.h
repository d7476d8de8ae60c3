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

/* The same filters for a BTF task pointer (tp_btf arguments, bpf_get_current_task_btf()): plain
 * loads instead of bpf_probe_read_kernel calls, cheapest test first; with no filter set the verifier
 * drops the dead branches (the filters are frozen .rodata). */
static __always_inline bool task_wanted_btf(struct task_struct *t)
{
	__u32 tgid = t->tgid;
	if ((targ_tgid && tgid != targ_tgid) || (self_tgid && tgid == self_tgid))
		return false;
	if (filter_comm) {
		for (int i = 0; i < TASK_COMM_LEN; i++) {
			char c = t->comm[i];
			if (c != targ_comm[i])
				return false;
			if (c == 0)
				break;
		}
	}
	if (targ_cgid && BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id) != targ_cgid)
		return false;
	return true;
}

/* Sampling (loader_common.c turns it on above an event-rate threshold): record an eligible event
 * 1 in sample_mask + 1 times (a power of two), decided by a per-CPU xorshift32 generator kept in
 * the probe's per-CPU state: pseudo-random, so a two-task ping-pong on one CPU cannot alias with N,
 * and ~1 ns where bpf_get_prandom_u32() costs ~30 ns here. Writable .bss, set at run time. */
volatile __u32 sample_mask = 0;

static __always_inline bool sampled_out(__u64 *rng)
{
	__u32 mask = sample_mask;
	if (!mask)
		return false;
	__u32 x = (__u32)*rng;
	if (!x)
		x = bpf_get_prandom_u32() | 1; /* seed once per CPU */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*rng = x;
	return x & mask;
}

/* Live per-task rows (tp_btf, runqlat and cswitch): a direct-mapped array, slot = tid & row_mask
 * (the loader sizes it to pid_max, capped at ROW_SLOTS_MAX, so usually no two threads share a slot).
 * An inlined array lookup and one cache line per event, where task-local storage cost a helper call
 * and three (task, storage, element) on this host. ROW_LOOKUP claims a free slot for thread t;
 * NULL when the slot holds another live thread (the caller falls back to the hash). */
const volatile __u32 row_mask = 0;
#define ROW_LOOKUP(map, type, t, tid) ({						\
	__u32 slot_ = (tid) & row_mask;							\
	type *r_ = bpf_map_lookup_elem(&(map), &slot_);					\
	if (r_ && r_->tid != (tid)) {							\
		if (r_->tid == 0 && __sync_val_compare_and_swap(&r_->tid, 0, (tid)) == 0) {	\
			r_->tgid = (t)->tgid;						\
			bpf_probe_read_kernel_str(r_->comm, sizeof(r_->comm), (t)->comm);	\
		} else {								\
			r_ = NULL;							\
		}									\
	}										\
	r_;										\
})

/* Get-or-create the row of thread `pid` in a pid-keyed hash of rows that start { __u64 tid; ... }
 * and carry comm[16] and tgid (runqlat's lat_row, cswitch's switch_row): a new row gets tid, tgid
 * and comm, the rest zero. NULL only when the hash is full. */
#define HASH_ROW(map, type, pid, tgid_, comm_) ({					\
	__u32 k_ = (pid);								\
	type *h_ = bpf_map_lookup_elem(&(map), &k_);					\
	if (!h_) {									\
		type z_ = { .tid = k_, .tgid = (tgid_) };				\
		bpf_probe_read_kernel_str(z_.comm, sizeof(z_.comm), (comm_));		\
		bpf_map_update_elem(&(map), &k_, &z_, BPF_NOEXIST);			\
		h_ = bpf_map_lookup_elem(&(map), &k_);					\
	}										\
	h_;										\
})

/* TASK_DEAD in prev_state: the task's final switch-out, so its task-local row is flushed now. */
#define SCHEDCP_TASK_DEAD 0x80

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

/* floor(log2(v)), 0 for v <= 1, capped at MAX_SLOTS - 1: branch-light, no loop. */
static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0, shift;
	shift = (v > 0xFFFFFFFFull) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r < MAX_SLOTS - 1 ? r : MAX_SLOTS - 1;
}

/* log2_slot(ns / 1000) without the 64-bit division (~10 ns here): ns in [2^lg, 2^(lg+1)) puts
 * ns / 1000 in slot lg - 9 or lg - 10, and one shift-compare tells which (checked equal to the
 * division for all ns < 5e7 and 1e8 random 64-bit values). */
static __always_inline __u32 log2_us_slot(__u64 ns)
{
	if (ns < 2000)
		return 0;
	__u64 v = ns;
	__u32 lg = 0, shift;
	shift = (v > 0xFFFFFFFFull) << 5; v >>= shift; lg |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; lg |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; lg |= shift;
	shift = (v > 0xF) << 2; v >>= shift; lg |= shift;
	shift = (v > 0x3) << 1; v >>= shift; lg |= shift;
	lg |= (v >> 1);
	__u32 s = lg - 9 - ((1000ull << (lg - 9)) > ns);
	return s < MAX_SLOTS - 1 ? s : MAX_SLOTS - 1;
}

char LICENSE[] SEC("license") = "GPL";
#endif
