#include "mini_scx.h"
struct { __uint(type, 2); __uint(max_entries, 1024); __type(key, u32); __type(value, u64); } counts SEC(".maps");
struct { __uint(type, 6); __uint(max_entries, 4); __type(key, u32); __type(value, u64); } pcpu SEC(".maps");
u64 total;
static __attribute__((noinline)) u64 bump(u32 k) { u64 *v = bpf_map_lookup_elem(&counts, &k); if (v) { *v += 1; return *v; } return 0; }
SEC("struct_ops/good_enqueue") void good_enqueue(struct task_struct *p, u64 f) { total += bump(1); scx_bpf_dispatch(p, 1, 20000000, f); }
SEC("struct_ops/good_dispatch") void good_dispatch(s32 cpu, struct task_struct *prev) { scx_bpf_consume(1); }
SEC("struct_ops.s/good_init") s32 good_init(void) { return scx_bpf_create_dsq(1, -1); }
SEC("struct_ops/good_running") void good_running(struct task_struct *p) { volatile char buf[64]; for (int i = 0; i < 64; i++) buf[i] = (char)bpf_ktime_get_ns(); }
SEC(".struct_ops.link") struct sched_ext_ops good_ops = { .enqueue = (void *)good_enqueue, .dispatch = (void *)good_dispatch, .init = (void *)good_init, .running = (void *)good_running, .timeout_ms = 5000, .name = "good" };
char _license[] SEC("license") = "GPL";
