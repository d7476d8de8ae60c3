/* Run-queue latency: time from wakeup (or preemption) until the task runs, as a log2 µs histogram
 * plus per-task count/sum/max. tp_btf first; the tracepoint/ twins are the fallback.
 *
 * Cost. Clock reads dominate on virtualised hosts (bpf_ktime_get_ns ~60 ns here), so with
 * CONFIG_SCHED_INFO the probe reads the kernel's own accounting instead and attaches to
 * sched_switch only: next->sched_info.last_queued is the rq clock at enqueue (set on wakeup and when
 * a preempted task goes back on the queue; the kernel consumes it just after this tracepoint) and
 * rq->clock was updated by __schedule() before the pick (the rq reached as next->se.cfs_rq->rq:
 * set_task_rq() points every task's se.cfs_rq at its CPU's cfs_rq with FAIR_GROUP_SCHED, and
 * runqueues itself is not in kallsyms here). No wakeup hooks, no timestamps of our own.
 * (A migration re-queues a task: its wait is then counted from the enqueue on the new CPU.)
 * Without SCHED_INFO: wakeup hooks stamp task-local storage (no pid-keyed hash update/delete).
 * Either way the histogram is a per-CPU array (no atomics, no shared cache line) and the per-task
 * row lives in the direct-mapped tid array of common.bpf.h (one cache line; task-local storage cost
 * ~60 ns more per event under hackbench here), moved into `tasks` at the task's final switch-out.
 * The classic tracepoint fallback has pids, not task pointers, and keeps pid-keyed hashes. Sampling
 * records 1 in N eligible waits. */
#include "common.bpf.h"
#include "probe_types.h"

/* Set by the loader when the kernel's BTF has sched_info.last_queued and cfs_rq.rq
 * (CONFIG_SCHED_INFO, CONFIG_FAIR_GROUP_SCHED); then the wakeup_btf programs are not loaded at all. */
const volatile bool use_sched_info = false;

struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, __u64); } start_ts SEC(".maps");
/* Classic tracepoints give the wakee's pid, not its task_struct: the fallback keeps a pid-keyed hash. */
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, __u32); __type(value, __u64); } start SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct rq_cpu); } cpu_state SEC(".maps");
/* Live rows (tp_btf): the direct-mapped array of common.bpf.h, sized by the loader. */
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(map_flags, BPF_F_MMAPABLE); __uint(max_entries, 1); __type(key, __u32); __type(value, struct lat_row); } rows SEC(".maps");
/* Rows of tasks that exited during the window and of colliding tids (tp_btf), every row on the classic fallback. */
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(map_flags, BPF_F_NO_PREALLOC); __uint(max_entries, 65536); __type(key, __u32); __type(value, struct lat_row); } tasks SEC(".maps");

/* Counts the eligible wait; NULL when sampling skips it, else this CPU's state for the histogram. */
static __always_inline struct rq_cpu *record_wanted(void)
{
	__u32 zero = 0;
	struct rq_cpu *c = bpf_map_lookup_elem(&cpu_state, &zero);
	if (!c) return NULL;
	c->seen++;
	if (sampled_out(&c->rng)) return NULL;
	c->stamped++;
	return c;
}

static __always_inline void add_wait(struct rq_cpu *c, struct lat_row *st, __u64 delta)
{
	c->hist[log2_slot(delta / 1000) & (HIST_SLOTS - 1)]++;
	if (!st) return;
	st->count++;
	st->sum_ns += delta;
	if (delta > st->max_ns) st->max_ns = delta;
}

/* Classic tracepoints (and colliding tids): rows in the pid-keyed hash. */
static __always_inline struct lat_row *hash_row(__u32 pid, __u32 tgid, const char *comm)
{
	struct lat_row *st = bpf_map_lookup_elem(&tasks, &pid);
	if (st) return st;
	struct lat_row zero = { .tid = pid, .tgid = tgid };
	bpf_probe_read_kernel_str(zero.comm, sizeof(zero.comm), comm);
	bpf_map_update_elem(&tasks, &pid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tasks, &pid);
}

/* tp_btf: `t` waited `delta` ns. A task is switched in on one CPU at a time, so its row has a single
 * writer: plain adds, no atomics. */
static __always_inline void account_task(struct rq_cpu *c, struct task_struct *t, __u64 delta)
{
	__u32 tid = t->pid;
	struct lat_row *st = ROW_LOOKUP(rows, struct lat_row, t, tid);
	add_wait(c, st ? st : hash_row(tid, t->tgid, t->comm), delta);
}

/* The final switch-out of an exiting task: keep its row, free the slot for the tid's next owner. */
static __always_inline void flush_dead(struct task_struct *prev, unsigned int prev_state)
{
	if (!(prev_state & SCHEDCP_TASK_DEAD)) return;
	__u32 tid = prev->pid, slot = tid & row_mask;
	struct lat_row *st = bpf_map_lookup_elem(&rows, &slot);
	if (!st || st->tid != tid) return;
	if (st->count) bpf_map_update_elem(&tasks, &tid, st, BPF_ANY);
	st->count = st->sum_ns = st->max_ns = 0;
	st->tid = 0;
}

static __always_inline void enqueued_btf(struct task_struct *p)
{
	if (p->pid == 0 || !task_wanted_btf(p)) return; /* idle "waits" for nothing */
	if (!record_wanted()) return;
	__u64 *ts = bpf_task_storage_get(&start_ts, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts) *ts = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_btf, struct task_struct *p) { enqueued_btf(p); return 0; }
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(wakeup_new_btf, struct task_struct *p) { enqueued_btf(p); return 0; }
SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	flush_dead(prev, prev_state);
	if (use_sched_info && bpf_core_field_exists(next->sched_info.last_queued) && bpf_core_field_exists(next->se.cfs_rq->rq)) {
		__u64 queued = next->sched_info.last_queued;
		if (!queued || next->pid == 0 || !task_wanted_btf(next)) return 0;
		struct cfs_rq *cfs = next->se.cfs_rq;
		struct rq_cpu *c;
		if (!cfs || !(c = record_wanted())) return 0;
		__u64 now = cfs->rq->clock;
		if (now > queued) account_task(c, next, now - queued);
		return 0;
	}
	if (prev_runnable_btf(preempt, prev_state)) enqueued_btf(prev); /* preempted: waits on the run queue again */
	/* No create: a task never stamped (filtered, sampled out, or woken before attach) has no storage. */
	__u64 *ts = bpf_task_storage_get(&start_ts, next, 0, 0);
	if (!ts || !*ts) return 0;
	__u64 delta = bpf_ktime_get_ns() - *ts;
	*ts = 0;
	__u32 zero = 0;
	struct rq_cpu *c = bpf_map_lookup_elem(&cpu_state, &zero);
	if (c) account_task(c, next, delta);
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
	if (!record_wanted()) return;
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
	__u32 pid = ctx->next_pid;
	__u64 *tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp) return 0;
	__u64 delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&start, &pid);
	__u32 zero = 0;
	struct rq_cpu *c = bpf_map_lookup_elem(&cpu_state, &zero);
	if (c) add_wait(c, hash_row(pid, 0, ctx->next_comm), delta);
	return 0;
}
