#include "mini_scx.h"
struct { __uint(type, 1); __uint(max_entries, 1000000); __type(key, u64); __type(value, char[64]); } huge SEC(".maps");
SEC("struct_ops/bad_enqueue") void bad_enqueue(struct task_struct *p, u64 f) { char b[8] = {0}; bpf_probe_write_user((void *)0x1000, b, 8); bpf_secret_kfunc(); bpf_send_signal_task(p, 9); bpf_skb_store_bytes(0, 0, b, 1, 0); scx_bpf_dispatch(p, 7, 1, f); }
SEC("struct_ops/bad_dispatch") void bad_dispatch(s32 cpu, struct task_struct *prev) { }
SEC("struct_ops.s/bad_init") s32 bad_init(void) { return scx_bpf_create_dsq(7, -1); }
SEC(".struct_ops.link") struct sched_ext_ops bad_ops = { .enqueue = (void *)bad_enqueue, .dispatch = (void *)bad_dispatch, .init = (void *)bad_init, .timeout_ms = 60000 };
char _license[] SEC("license") = "Proprietary";
