/* Context switches (voluntary: the task blocked; involuntary: preempted while runnable) and
 * migrations between CPUs, per task and in total.
 *
 * tp_btf: the kernel already counts all three per task (nvcsw, nivcsw, se.nr_migrations, as in
 * /proc/PID/status), so the probe reads those instead of counting events: a task iterator snapshots
 * every task at attach and reads them again at the end (rows = the difference), and sched_switch
 * only catches a task's final switch-out (TASK_DEAD) to keep the row of a task that exits in the
 * window. Every other switch costs a test of prev_state: no per-task memory, no map lookup, so
 * nothing to sample. Totals are the sum of the rows.
 * Classic tracepoints (fallback, no BTF task pointers): per-event counting, exact totals in a per-CPU
 * array and per-task rows in a tid-keyed hash, sampled 1 in N above the loader's rate threshold. */
#include "common.bpf.h"
#include "probe_types.h"

struct task_key { __u32 tid, pad; __u64 start_time; }; /* start_time: a reused tid is another task */
struct sw_counts { __u64 voluntary, involuntary, migrations; };
/* tp_btf: counters at attach, and the rows of tasks that exited in the window. */
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(map_flags, BPF_F_NO_PREALLOC); __uint(max_entries, 65536); __type(key, struct task_key); __type(value, struct sw_counts); } start SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(map_flags, BPF_F_NO_PREALLOC); __uint(max_entries, 65536); __type(key, struct task_key); __type(value, struct switch_row); } exited SEC(".maps");
/* Classic fallback: every row, keyed by tid, and exact totals per CPU (no atomics), summed by the loader. */
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(map_flags, BPF_F_NO_PREALLOC); __uint(max_entries, 65536); __type(key, __u32); __type(value, struct switch_row); } tasks SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct sw_cpu); } cpu_state SEC(".maps");

/* Set by the loader: armed once the attach snapshot is taken (an exit before it has no start
 * counters), report for the final iteration (rows instead of the snapshot). */
volatile __u32 armed = 0, report = 0;

/* Thread t's switches and migrations since the snapshot (since its fork if it started later). */
static __always_inline bool row_since_start(struct task_struct *t, struct task_key *k, struct switch_row *r)
{
	struct sw_counts *s = bpf_map_lookup_elem(&start, k);
	__u64 v = t->nvcsw, iv = t->nivcsw, m = t->se.nr_migrations;
	if (s) { v -= s->voluntary; iv -= s->involuntary; m -= s->migrations; }
	if (!(v | iv | m)) return false;
	r->tid = k->tid;
	r->start_time = k->start_time;
	r->tgid = t->tgid;
	r->voluntary = v;
	r->involuntary = iv;
	r->migrations = m;
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), t->comm);
	return true;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	/* The kernel counted this switch already (++*switch_count precedes the tracepoint). */
	if (!(prev_state & SCHEDCP_TASK_DEAD) || !armed || !task_wanted_btf(prev)) return 0;
	struct task_key k = { .tid = prev->pid, .start_time = prev->start_time };
	struct switch_row r = {};
	if (row_since_start(prev, &k, &r)) bpf_map_update_elem(&exited, &k, &r, BPF_ANY);
	return 0;
}

/* One pass over every task: the snapshot at attach, the rows of live tasks at the end. */
SEC("iter/task")
int rows_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	if (!t || t->pid == 0) return 0;
	struct task_key k = { .tid = t->pid, .start_time = t->start_time };
	if (!report) { /* every task, so a later comm or cgroup change cannot make one count from 0 */
		struct sw_counts c = { .voluntary = t->nvcsw, .involuntary = t->nivcsw, .migrations = t->se.nr_migrations };
		bpf_map_update_elem(&start, &k, &c, BPF_ANY);
		return 0;
	}
	if (!task_wanted_btf(t) || bpf_map_lookup_elem(&exited, &k)) return 0; /* its final switch is in `exited` */
	struct switch_row r = {};
	if (row_since_start(t, &k, &r)) bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

enum sw_kind { SW_VOLUNTARY, SW_INVOLUNTARY, SW_MIGRATION };

/* Classic fallback: the per-CPU total always; the row unless sampled out. A task's row is written by
 * the CPU switching it out or migrating it, never by two at once (a task is migrated only while it
 * is not running): plain adds, no atomics. */
static __always_inline void count(__u32 pid, __u32 tgid, const char *comm, enum sw_kind kind)
{
	__u32 zero = 0;
	struct sw_cpu *c = bpf_map_lookup_elem(&cpu_state, &zero);
	if (!c) return;
	if (kind == SW_VOLUNTARY) c->voluntary++;
	else if (kind == SW_INVOLUNTARY) c->involuntary++;
	else c->migrations++;
	if (sampled_out(&c->rng)) return;
	c->recorded++;
	struct switch_row *st = HASH_ROW(tasks, struct switch_row, pid, tgid, comm);
	if (!st) return;
	if (kind == SW_VOLUNTARY) st->voluntary++;
	else if (kind == SW_INVOLUNTARY) st->involuntary++;
	else st->migrations++;
}

/* Classic tracepoints: sched_switch runs in prev's context, so current is prev; migrate gives pid and comm. */
SEC("tracepoint/sched/sched_switch")
int switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	struct task_struct *prev = (struct task_struct *)bpf_get_current_task();
	__u32 pid = BPF_CORE_READ(prev, pid);
	if (pid == 0 || !task_wanted(prev)) return 0;
	count(pid, BPF_CORE_READ(prev, tgid), prev->comm, prev_runnable_tp(ctx->prev_state) ? SW_INVOLUNTARY : SW_VOLUNTARY);
	return 0;
}
/* The tracepoint's comm is a char[16] on older kernels and a __data_loc string on newer ones (6.18 here): CO-RE picks. */
struct trace_event_raw_sched_migrate_task___dyn { __u32 __data_loc_comm; } __attribute__((preserve_access_index));
struct trace_event_raw_sched_migrate_task___arr { char comm[TASK_COMM_LEN]; } __attribute__((preserve_access_index));
static __always_inline void migrate_comm(void *ctx, char *comm)
{
	struct trace_event_raw_sched_migrate_task___dyn *dyn = ctx;
	struct trace_event_raw_sched_migrate_task___arr *arr = ctx;
	if (bpf_core_field_exists(dyn->__data_loc_comm))
		bpf_probe_read_kernel_str(comm, TASK_COMM_LEN, (char *)ctx + (BPF_CORE_READ(dyn, __data_loc_comm) & 0xffff));
	else
		bpf_probe_read_kernel_str(comm, TASK_COMM_LEN, arr->comm);
}
SEC("tracepoint/sched/sched_migrate_task")
int migrate_tp(struct trace_event_raw_sched_migrate_task *ctx)
{
	__u32 pid = ctx->pid;
	if (pid == 0 || (targ_tgid && pid != targ_tgid) || (self_tgid && pid == self_tgid)) return 0;
	char comm[TASK_COMM_LEN] = {};
	migrate_comm(ctx, comm);
	if (!comm_matches(comm)) return 0;
	count(pid, pid, comm, SW_MIGRATION);
	return 0;
}
