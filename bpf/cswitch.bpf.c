/* Context switches (voluntary: the task blocked; involuntary: preempted while runnable) and
 * migrations between CPUs: exact totals in a per-CPU array, per-task rows (sampled 1 in N above the
 * loader's rate threshold). tp_btf reads task fields with plain loads. */
#include "common.bpf.h"
#include "probe_types.h"

/* Live rows (tp_btf): the direct-mapped array of common.bpf.h, sized by the loader; a row moves to
 * `tasks` at its task's final switch-out. `tasks` also takes colliding tids and, on the classic
 * fallback, every row. */
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(map_flags, BPF_F_MMAPABLE); __uint(max_entries, 1); __type(key, __u32); __type(value, struct switch_row); } rows SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(map_flags, BPF_F_NO_PREALLOC); __uint(max_entries, 65536); __type(key, __u32); __type(value, struct switch_row); } tasks SEC(".maps");
/* Exact totals per CPU (no atomics, no shared cache line), summed by the loader. */
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct sw_cpu); } cpu_state SEC(".maps");

enum sw_kind { SW_VOLUNTARY, SW_INVOLUNTARY, SW_MIGRATION };

static __always_inline struct switch_row *stat_of(__u32 pid, __u32 tgid, const char *comm)
{
	struct switch_row *st = bpf_map_lookup_elem(&tasks, &pid);
	if (st) return st;
	struct switch_row zero = { .tid = pid, .tgid = tgid };
	bpf_probe_read_kernel_str(zero.comm, sizeof(zero.comm), comm);
	bpf_map_update_elem(&tasks, &pid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tasks, &pid);
}

/* One switch or migration of a wanted task: the per-CPU total always; the per-task row unless
 * sampled out. A task's row is written by the CPU switching it out or migrating it, never by two at
 * once (a task is migrated only while it is not running): plain adds, no atomics. */
static __always_inline bool total_and_sample(enum sw_kind kind)
{
	__u32 zero = 0;
	struct sw_cpu *c = bpf_map_lookup_elem(&cpu_state, &zero);
	if (!c) return false;
	if (kind == SW_VOLUNTARY) c->voluntary++;
	else if (kind == SW_INVOLUNTARY) c->involuntary++;
	else c->migrations++;
	if (sampled_out(&c->rng)) return false;
	c->recorded++;
	return true;
}

static __always_inline void add(struct switch_row *st, enum sw_kind kind)
{
	if (kind == SW_VOLUNTARY) st->voluntary++;
	else if (kind == SW_INVOLUNTARY) st->involuntary++;
	else st->migrations++;
}

static __always_inline void count_task(struct task_struct *t, enum sw_kind kind, bool dead)
{
	if (!total_and_sample(kind) && !dead) return;
	__u32 tid = t->pid;
	struct switch_row *st = ROW_LOOKUP(rows, struct switch_row, t, tid);
	if (!st) { /* the slot is another live thread's */
		st = stat_of(tid, t->tgid, t->comm);
		if (st) add(st, kind);
		return;
	}
	add(st, kind);
	if (dead) { /* final switch-out: keep the row, free the slot for the tid's next owner */
		bpf_map_update_elem(&tasks, &tid, st, BPF_ANY);
		st->voluntary = st->involuntary = st->migrations = 0;
		st->tid = 0;
	}
}

static __always_inline void count(__u32 pid, __u32 tgid, const char *comm, enum sw_kind kind)
{
	if (!total_and_sample(kind)) return;
	struct switch_row *st = stat_of(pid, tgid, comm);
	if (st) add(st, kind);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	if (prev->pid == 0 || !task_wanted_btf(prev)) return 0;
	count_task(prev, prev_runnable_btf(preempt, prev_state) ? SW_INVOLUNTARY : SW_VOLUNTARY, prev_state & SCHEDCP_TASK_DEAD);
	return 0;
}
SEC("tp_btf/sched_migrate_task")
int BPF_PROG(migrate_btf, struct task_struct *p, int dest_cpu)
{
	if (p->pid == 0 || !task_wanted_btf(p)) return 0;
	count_task(p, SW_MIGRATION, false);
	return 0;
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
