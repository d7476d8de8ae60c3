/* One trivial program per attach type; the loader loads and attaches each alone to learn what works. */
#include "common.bpf.h"

SEC("tp_btf/sched_switch")
int BPF_PROG(test_tp_btf) { return 0; }
SEC("raw_tp/sched_switch")
int BPF_PROG(test_raw_tp) { return 0; }
SEC("fentry/vfs_read")
int BPF_PROG(test_fentry) { return 0; }
SEC("kprobe/vfs_read")
int BPF_KPROBE(test_kprobe) { return 0; }
