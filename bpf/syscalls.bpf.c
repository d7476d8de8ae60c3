/* Syscalls, two modes.
 * Counting (default): sys_enter only; after the filters, one increment in a per-CPU array indexed
 * by syscall number (no hash, no atomics, no clock read, nothing streamed); the loader sums CPUs.
 * Latency (--latency, on request): sys_enter also stamps the thread's task-local storage (no
 * tid-keyed hash update/delete), sys_exit adds count/latency/errors per (syscall, process) to a
 * hash. Two clock reads per syscall (~60 ns each here), so it can be sampled: 1 in N syscalls
 * stamped; counts stay exact, errors and latency totals are scaled by the loader. */
#include "common.bpf.h"
#include "probe_types.h"

const volatile bool latency = false;

struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, SYSCALL_SLOTS); __type(key, __u32); __type(value, __u64); } counts SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct sys_cpu); } cpu_state SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, struct sys_pending); } pending SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16384); __type(key, struct syscall_key); __type(value, struct syscall_stat); } stats SEC(".maps");

/* Counting with no filter at all (set by the loader): the program reads nothing of current, so the
 * loader's own syscalls are counted too (it keeps to about 2 a second while attached and detaches
 * before reading the counts). bpf_get_current_task_btf() is a helper call, ~22 of the ~25 ns this
 * program costs above an empty one on this host (SRSO safe-RET makes every return expensive). */
const volatile bool count_all = false;

static __always_inline void count_id(long id)
{
	__u32 slot = id < SYSCALL_SLOTS ? (__u32)id : SYSCALL_SLOTS - 1;
	__u64 *cnt = bpf_map_lookup_elem(&counts, &slot);
	if (cnt) (*cnt)++;
}

static __always_inline void on_enter(struct task_struct *t, bool wanted, long id)
{
	if (id < 0 || !wanted) return;
	count_id(id);
	if (!latency) return;
	__u32 zero = 0;
	struct sys_cpu *c = bpf_map_lookup_elem(&cpu_state, &zero);
	if (!c) return;
	c->seen++;
	if (sampled_out(&c->rng)) return;
	struct sys_pending *p = bpf_task_storage_get(&pending, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!p) return;
	c->stamped++;
	p->ts = bpf_ktime_get_ns();
	p->id = (__u32)id;
}

static __always_inline void on_exit(struct task_struct *t, long ret)
{
	struct sys_pending *p = bpf_task_storage_get(&pending, t, 0, 0);
	if (!p || !p->ts) return;
	__u64 delta = bpf_ktime_get_ns() - p->ts;
	p->ts = 0;
	struct syscall_key key = { .id = p->id, .tgid = t->tgid };
	struct syscall_stat *st = bpf_map_lookup_elem(&stats, &key);
	if (!st) {
		struct syscall_stat zero = {};
		bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		bpf_map_update_elem(&stats, &key, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&stats, &key);
		if (!st) return;
	}
	/* threads of one process exit syscalls on several CPUs at once: atomics here */
	__sync_fetch_and_add(&st->count, 1);
	__sync_fetch_and_add(&st->sum_ns, delta);
	if (ret < 0) __sync_fetch_and_add(&st->errors, 1);
	if (delta > st->max_ns) st->max_ns = delta;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(enter_btf, struct pt_regs *regs, long id)
{
	if (count_all) {
		if (id >= 0) count_id(id);
		return 0;
	}
	struct task_struct *t = bpf_get_current_task_btf();
	on_enter(t, task_wanted_btf(t), id);
	return 0;
}
SEC("tp_btf/sys_exit")
int BPF_PROG(exit_btf, struct pt_regs *regs, long ret) { on_exit(bpf_get_current_task_btf(), ret); return 0; }
SEC("tracepoint/raw_syscalls/sys_enter")
int enter_tp(struct trace_event_raw_sys_enter *ctx) { on_enter(bpf_get_current_task_btf(), current_wanted(), ctx->id); return 0; }
SEC("tracepoint/raw_syscalls/sys_exit")
int exit_tp(struct trace_event_raw_sys_exit *ctx) { on_exit(bpf_get_current_task_btf(), ctx->ret); return 0; }
