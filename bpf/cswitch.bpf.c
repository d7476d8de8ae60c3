/* Context switches (voluntary: the task blocked; involuntary: preempted while runnable) and
 * migrations between CPUs, per task. */
#include "common.bpf.h"
#include "probe_types.h"

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16384); __type(key, __u32); __type(value, struct switch_stat); } tasks SEC(".maps");

static __always_inline struct switch_stat *stat_of(__u32 pid, __u32 tgid, const char *comm)
{
	struct switch_stat *st = bpf_map_lookup_elem(&tasks, &pid);
	if (st) return st;
	struct switch_stat zero = { .tgid = tgid };
	bpf_probe_read_kernel_str(zero.comm, sizeof(zero.comm), comm);
	bpf_map_update_elem(&tasks, &pid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tasks, &pid);
}

static __always_inline void on_switch(struct task_struct *prev, bool runnable)
{
	__u32 pid = BPF_CORE_READ(prev, pid);
	if (pid == 0 || !task_wanted(prev)) return;
	struct switch_stat *st = stat_of(pid, BPF_CORE_READ(prev, tgid), prev->comm);
	if (!st) return;
	if (runnable) __sync_fetch_and_add(&st->involuntary, 1);
	else __sync_fetch_and_add(&st->voluntary, 1);
}

static __always_inline void on_migrate(struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid);
	if (pid == 0 || !task_wanted(p)) return;
	struct switch_stat *st = stat_of(pid, BPF_CORE_READ(p, tgid), p->comm);
	if (st) __sync_fetch_and_add(&st->migrations, 1);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{ on_switch(prev, prev_runnable_btf(preempt, prev_state)); return 0; }
SEC("tp_btf/sched_migrate_task")
int BPF_PROG(migrate_btf, struct task_struct *p, int dest_cpu) { on_migrate(p); return 0; }

/* Classic tracepoints: sched_switch runs in prev's context, so current is prev; migrate gives pid and comm. */
SEC("tracepoint/sched/sched_switch")
int switch_tp(struct trace_event_raw_sched_switch *ctx)
{ on_switch((struct task_struct *)bpf_get_current_task(), prev_runnable_tp(ctx->prev_state)); return 0; }
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
	struct switch_stat *st = stat_of(pid, pid, comm);
	if (st) __sync_fetch_and_add(&st->migrations, 1);
	return 0;
}
