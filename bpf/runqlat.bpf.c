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
 * Per-task rows, sched_info (with max_run_delay, 6.15+) and no comm/cgroup filter
 * (rows_from_kernel): count, total and max are the kernel's sched_info.pcount, run_delay and
 * max_run_delay, read by a task iterator at attach and at the end (as cswitch reads nvcsw), rows of
 * exiting tasks kept at their final switch-out; the event touches the per-CPU histogram only (a
 * per-task max slot of our own measured ~40 ns more per event under hackbench, the tgid line ~20).
 * The kernel's max is a lifetime max: above its snapshot value it is the window's largest wait,
 * else the window's is only known to be at most that (LAT_MAX_BOUND). run_delay and max_run_delay
 * also count the part of a wait spent queued on another CPU before a migration, which the
 * histogram does not. A comm or cgroup can change during the window and the kernel's counters
 * would then include waits of a task not yet matching, so with those filters (and without
 * SCHED_INFO, where wakeup hooks stamp task-local storage) rows are counted per event in the
 * direct-mapped tid array of common.bpf.h, moved into `tasks` at the final switch-out. The
 * histogram is a per-CPU array (no atomics, no shared cache line). The classic tracepoint fallback
 * has pids, not task pointers, and keeps pid-keyed hashes. Sampling records 1 in N eligible waits
 * (histogram and event-counted rows; kernel-counter rows stay exact). */
#include "common.bpf.h"
#include "probe_types.h"

/* Set by the loader when the kernel's BTF has sched_info.last_queued and cfs_rq.rq
 * (CONFIG_SCHED_INFO, CONFIG_FAIR_GROUP_SCHED); then the wakeup_btf programs are not loaded at all. */
const volatile bool use_sched_info = false;
/* Set by the loader with use_sched_info and no comm/cgroup filter: rows from sched_info counters. */
const volatile bool rows_from_kernel = false;

struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, __u64); } start_ts SEC(".maps");
/* Classic tracepoints give the wakee's pid, not its task_struct: the fallback keeps a pid-keyed hash. */
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, __u32); __type(value, __u64); } start SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct rq_cpu); } cpu_state SEC(".maps");
/* Live rows (tp_btf): the direct-mapped array of common.bpf.h, sized by the loader. */
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(map_flags, BPF_F_MMAPABLE); __uint(max_entries, 1); __type(key, __u32); __type(value, struct lat_row); } rows SEC(".maps");
/* Rows of tasks that exited during the window and of colliding tids (tp_btf), every row on the classic fallback. */
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(map_flags, BPF_F_NO_PREALLOC); __uint(max_entries, 65536); __type(key, __u32); __type(value, struct lat_row); } tasks SEC(".maps");

/* rows_from_kernel: sched_info counters at attach (key: a reused tid is another task) and the rows
 * of tasks that exited in the window. */
struct task_key { __u32 tid, pad; __u64 start_time; };
struct sched_counts { __u64 pcount, run_delay, max_run_delay; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(map_flags, BPF_F_NO_PREALLOC); __uint(max_entries, 1); __type(key, struct task_key); __type(value, struct sched_counts); } snap SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(map_flags, BPF_F_NO_PREALLOC); __uint(max_entries, 1); __type(key, struct task_key); __type(value, struct lat_row); } exited SEC(".maps");
/* Set by the loader: armed once the attach snapshot is taken (an exit before it has no start
 * counters), report for the final iteration (rows instead of the snapshot). */
volatile __u32 armed = 0, report = 0;
/* rows_from_kernel: task_id() of the loader's task, set by the snapshot pass before sched_switch is
 * attached, so the event excludes the loader by pointer instead of reading next->tgid. */
volatile __u64 self_id = 0;

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
	c->hist[log2_us_slot(delta) & (HIST_SLOTS - 1)]++;
	if (!st) return;
	st->count++;
	st->sum_ns += delta;
	if (delta > st->max_ns) st->max_ns = delta;
}

/* tp_btf: `t` waited `delta` ns. A task is switched in on one CPU at a time, so its row has a single
 * writer: plain adds, no atomics. */
static __always_inline void account_task(struct rq_cpu *c, struct task_struct *t, __u64 delta)
{
	__u32 tid = t->pid;
	struct lat_row *st = ROW_LOOKUP(rows, struct lat_row, t, tid);
	add_wait(c, st ? st : HASH_ROW(tasks, struct lat_row, tid, t->tgid, t->comm), delta);
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

/* rows_from_kernel: the event excludes the loader by its task pointer, never reading next->tgid (a
 * cache line the kernel does not need here; ~20 ns). The verifier allows no arithmetic on a task
 * pointer but (with CAP_PERFMON) turns pointer - pointer into a number: the task's address
 * relative to a map's, which stands for the task. */
static __always_inline __u64 task_id(struct task_struct *t) { return (__u64)t - (__u64)&snap; }

/* Thread t's waits since the snapshot (since its fork if it started later: fork zeroes sched_info).
 * max_run_delay is the task's lifetime maximum: above its value at the snapshot it is the largest
 * wait of the window; otherwise the window's is unknown and at most that (LAT_MAX_BOUND). */
static __always_inline bool row_since_start(struct task_struct *t, struct task_key *k, struct lat_row *r)
{
	if (!bpf_core_field_exists(t->sched_info.pcount) || !bpf_core_field_exists(t->sched_info.max_run_delay)) return false;
	struct sched_counts *s = bpf_map_lookup_elem(&snap, k);
	__u64 n = t->sched_info.pcount, sum = t->sched_info.run_delay, max = t->sched_info.max_run_delay;
	if (s) { n -= s->pcount; sum -= s->run_delay; }
	if (!n) return false;
	r->tid = k->tid;
	r->start_time = k->start_time;
	r->tgid = t->tgid;
	r->count = n;
	r->sum_ns = sum;
	r->max_ns = max;
	r->flags = s && max <= s->max_run_delay ? LAT_MAX_BOUND : 0;
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), t->comm);
	return true;
}

/* rows_from_kernel: an exiting task's final switch-out keeps its row (not on the hot path). */
static __noinline void keep_exited(struct task_struct *prev)
{
	struct task_key k = { .tid = prev->pid, .start_time = prev->start_time };
	struct lat_row r = {};
	if (armed && task_wanted_btf(prev) && row_since_start(prev, &k, &r)) bpf_map_update_elem(&exited, &k, &r, BPF_ANY);
}

/* One pass over every task: the snapshot at attach, the rows of live tasks at the end. */
SEC("iter/task")
int rows_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	if (!t || t->pid == 0 || !bpf_core_field_exists(t->sched_info.pcount)) return 0;
	struct task_key k = { .tid = t->pid, .start_time = t->start_time };
	if (!report) { /* every task, so a later change of filter result cannot make one count from 0 */
		if (self_tgid && t->tgid == self_tgid) self_id = task_id(t); /* the loader is single-threaded */
		struct sched_counts c = { .pcount = t->sched_info.pcount, .run_delay = t->sched_info.run_delay };
		if (bpf_core_field_exists(t->sched_info.max_run_delay)) c.max_run_delay = t->sched_info.max_run_delay;
		bpf_map_update_elem(&snap, &k, &c, BPF_ANY);
		return 0;
	}
	if (!task_wanted_btf(t) || bpf_map_lookup_elem(&exited, &k)) return 0; /* a zombie's row is in `exited` */
	struct lat_row r = {};
	if (row_since_start(t, &k, &r)) bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
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
	if (!rows_from_kernel) flush_dead(prev, prev_state);
	else if (prev_state & SCHEDCP_TASK_DEAD) keep_exited(prev);
	if (use_sched_info && bpf_core_field_exists(next->sched_info.last_queued) && bpf_core_field_exists(next->se.cfs_rq->rq)) {
		/* The idle task is never enqueued, so its last_queued stays 0. */
		__u64 queued = next->sched_info.last_queued;
		if (!queued) return 0;
		if (rows_from_kernel) { /* no comm or cgroup filter here; a tgid cannot change */
			if (task_id(next) == self_id || (targ_tgid && next->tgid != targ_tgid)) return 0;
		} else if (next->pid == 0 || !task_wanted_btf(next)) {
			return 0;
		}
		struct cfs_rq *cfs = next->se.cfs_rq;
		struct rq_cpu *c;
		if (!cfs || !(c = record_wanted())) return 0;
		/* now == queued happens (a skipped clock update); the kernel counts that wait in pcount too */
		__u64 now = cfs->rq->clock;
		if (now < queued) return 0;
		if (rows_from_kernel) c->hist[log2_us_slot(now - queued) & (HIST_SLOTS - 1)]++;
		else account_task(c, next, now - queued);
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
	if (c) add_wait(c, HASH_ROW(tasks, struct lat_row, pid, 0, ctx->next_comm), delta);
	return 0;
}
