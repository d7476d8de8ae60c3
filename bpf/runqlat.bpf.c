/* Run-queue latency: time from wakeup (or preemption) until the task runs, as a log2 µs histogram
 * plus per-task count/sum/max. tp_btf first; the tracepoint/ twins are the fallback. */
#include "common.bpf.h"
#include "probe_types.h"

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, __u32); __type(value, __u64); } start SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, HIST_SLOTS); __type(key, __u32); __type(value, __u64); } hist SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16384); __type(key, __u32); __type(value, struct lat_stat); } tasks SEC(".maps");

static __always_inline void enqueued(struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid);
	if (pid == 0 || !task_wanted(p)) return; /* idle "waits" for nothing */
	__u64 ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
}

/* The task `pid` runs now: account the wait since it was enqueued. tgid 0 when unknown (classic tracepoints). */
static __always_inline void ran(__u32 pid, __u32 tgid, const char *comm)
{
	__u64 *tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp) return;
	__u64 delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&start, &pid);
	__u32 slot = log2_slot(delta / 1000);
	__u64 *cnt = bpf_map_lookup_elem(&hist, &slot);
	if (cnt) __sync_fetch_and_add(cnt, 1);
	struct lat_stat *st = bpf_map_lookup_elem(&tasks, &pid);
	if (!st) {
		struct lat_stat zero = { .tgid = tgid };
		bpf_probe_read_kernel_str(zero.comm, sizeof(zero.comm), comm);
		bpf_map_update_elem(&tasks, &pid, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&tasks, &pid);
		if (!st) return;
	}
	__sync_fetch_and_add(&st->count, 1);
	__sync_fetch_and_add(&st->sum_ns, delta);
	if (delta > st->max_ns) st->max_ns = delta;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_btf, struct task_struct *p) { enqueued(p); return 0; }
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(wakeup_new_btf, struct task_struct *p) { enqueued(p); return 0; }
SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	if (prev_runnable_btf(preempt, prev_state)) enqueued(prev); /* preempted: waits on the run queue again */
	ran(BPF_CORE_READ(next, pid), BPF_CORE_READ(next, tgid), next->comm);
	return 0;
}

/* Classic tracepoints carry pid and comm, not task pointers: pid and comm filters apply to them
 * (pid matches the thread-group leader); a cgroup filter needs tp_btf (the loader refuses it here). */
static __always_inline void enqueued_pid(__u32 pid, const char *comm)
{
	if (pid == 0 || (targ_tgid && pid != targ_tgid) || (self_tgid && pid == self_tgid)) return; /* the loader is single-threaded */
	if (filter_comm) {
		char c[TASK_COMM_LEN];
		bpf_probe_read_kernel(c, TASK_COMM_LEN, comm);
		if (!comm_matches(c)) return;
	}
	__u64 ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
}

SEC("tracepoint/sched/sched_wakeup")
int wakeup_tp(struct trace_event_raw_sched_wakeup_template *ctx) { enqueued_pid(ctx->pid, ctx->comm); return 0; }
SEC("tracepoint/sched/sched_wakeup_new")
int wakeup_new_tp(struct trace_event_raw_sched_wakeup_template *ctx) { enqueued_pid(ctx->pid, ctx->comm); return 0; }
SEC("tracepoint/sched/sched_switch")
int switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	if (prev_runnable_tp(ctx->prev_state)) enqueued_pid(ctx->prev_pid, ctx->prev_comm);
	ran(ctx->next_pid, 0, ctx->next_comm);
	return 0;
}
