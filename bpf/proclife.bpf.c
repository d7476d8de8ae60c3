/* Process lifecycle: fork, exec and exit events with comm, parent and exit code, through a ring buffer. */
#include "common.bpf.h"
#include "probe_types.h"

struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 20); } events SEC(".maps");
/* counts[kind]: every event seen, including those the ring buffer had no room for */
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } counts SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } lost SEC(".maps");

static __always_inline struct schedcp_proc_event *reserve(__u32 kind)
{
	__u64 *c = bpf_map_lookup_elem(&counts, &kind);
	if (c) __sync_fetch_and_add(c, 1);
	struct schedcp_proc_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *l = bpf_map_lookup_elem(&lost, &zero);
		if (l) __sync_fetch_and_add(l, 1);
		return NULL;
	}
	e->kind = kind;
	e->ts_ns = bpf_ktime_get_ns();
	e->exit_code = 0;
	e->filename[0] = 0;
	return e;
}

static __always_inline void fill_task(struct schedcp_proc_event *e, struct task_struct *t)
{
	e->pid = BPF_CORE_READ(t, pid);
	e->tgid = BPF_CORE_READ(t, tgid);
	e->ppid = BPF_CORE_READ(t, real_parent, tgid);
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
}

static __always_inline void on_fork(struct task_struct *parent, struct task_struct *child)
{
	if (!task_wanted(parent)) return;
	struct schedcp_proc_event *e = reserve(PROC_FORK);
	if (!e) return;
	fill_task(e, child);
	e->ppid = BPF_CORE_READ(parent, tgid);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

static __always_inline void on_exit_task(struct task_struct *p)
{
	if (!task_wanted(p)) return;
	struct schedcp_proc_event *e = reserve(PROC_EXIT);
	if (!e) return;
	fill_task(e, p);
	e->exit_code = BPF_CORE_READ(p, exit_code);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_btf, struct task_struct *parent, struct task_struct *child) { on_fork(parent, child); return 0; }
SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!task_wanted(p)) return 0;
	struct schedcp_proc_event *e = reserve(PROC_EXEC);
	if (!e) return 0;
	fill_task(e, p);
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}
SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *p) { on_exit_task(p); return 0; }

/* Classic tracepoints run in the context of the parent (fork), the new image (exec) and the
 * exiting task (exit), so current is the task that matters; the child of a fork comes from the event. */
SEC("tracepoint/sched/sched_process_fork")
int fork_tp(struct trace_event_raw_sched_process_fork *ctx)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	if (!task_wanted(cur)) return 0;
	struct schedcp_proc_event *e = reserve(PROC_FORK);
	if (!e) return 0;
	e->pid = ctx->child_pid;
	e->tgid = ctx->child_pid;
	e->ppid = BPF_CORE_READ(cur, tgid);
	BPF_CORE_READ_STR_INTO(&e->comm, cur, comm);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}
SEC("tracepoint/sched/sched_process_exec")
int exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	if (!task_wanted(cur)) return 0;
	struct schedcp_proc_event *e = reserve(PROC_EXEC);
	if (!e) return 0;
	fill_task(e, cur);
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (char *)ctx + (ctx->__data_loc_filename & 0xFFFF));
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}
SEC("tracepoint/sched/sched_process_exit")
int exit_tp(void *ctx) { on_exit_task((struct task_struct *)bpf_get_current_task()); return 0; }
