/* Syscall counts, latency and errors by (syscall, process). Enter/exit pairs keyed by thread id. */
#include "common.bpf.h"
#include "probe_types.h"

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, __u32); __type(value, struct syscall_start); } start SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16384); __type(key, struct syscall_key); __type(value, struct syscall_stat); } stats SEC(".maps");

static __always_inline void on_enter(long id)
{
	if (id < 0 || !current_wanted()) return;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct syscall_start s = { .ts = bpf_ktime_get_ns(), .id = (__u32)id };
	bpf_map_update_elem(&start, &tid, &s, BPF_ANY);
}

static __always_inline void on_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct syscall_start *s = bpf_map_lookup_elem(&start, &tid);
	if (!s) return;
	__u64 delta = bpf_ktime_get_ns() - s->ts;
	struct syscall_key key = { .id = s->id, .tgid = pid_tgid >> 32 };
	bpf_map_delete_elem(&start, &tid);
	struct syscall_stat *st = bpf_map_lookup_elem(&stats, &key);
	if (!st) {
		struct syscall_stat zero = {};
		bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		bpf_map_update_elem(&stats, &key, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&stats, &key);
		if (!st) return;
	}
	__sync_fetch_and_add(&st->count, 1);
	__sync_fetch_and_add(&st->sum_ns, delta);
	if (ret < 0) __sync_fetch_and_add(&st->errors, 1);
	if (delta > st->max_ns) st->max_ns = delta;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(enter_btf, struct pt_regs *regs, long id) { on_enter(id); return 0; }
SEC("tp_btf/sys_exit")
int BPF_PROG(exit_btf, struct pt_regs *regs, long ret) { on_exit(ret); return 0; }
SEC("tracepoint/raw_syscalls/sys_enter")
int enter_tp(struct trace_event_raw_sys_enter *ctx) { on_enter(ctx->id); return 0; }
SEC("tracepoint/raw_syscalls/sys_exit")
int exit_tp(struct trace_event_raw_sys_exit *ctx) { on_exit(ctx->ret); return 0; }
