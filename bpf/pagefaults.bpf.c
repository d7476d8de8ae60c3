/* Page faults per task, minor and major. There is no tracepoint that tells the two apart, so the
 * programs hang off the software perf events page-faults-min / page-faults-maj (period 1, every CPU). */
#include "common.bpf.h"
#include "probe_types.h"

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16384); __type(key, __u32); __type(value, struct fault_stat); } tasks SEC(".maps");

static __always_inline void count(bool major)
{
	if (!current_wanted()) return;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 pid = (__u32)pid_tgid;
	struct fault_stat *st = bpf_map_lookup_elem(&tasks, &pid);
	if (!st) {
		struct fault_stat zero = { .tgid = pid_tgid >> 32 };
		bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		bpf_map_update_elem(&tasks, &pid, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&tasks, &pid);
		if (!st) return;
	}
	if (major) __sync_fetch_and_add(&st->major, 1);
	else __sync_fetch_and_add(&st->minor, 1);
}

SEC("perf_event")
int minor_fault(struct bpf_perf_event_data *ctx) { count(false); return 0; }
SEC("perf_event")
int major_fault(struct bpf_perf_event_data *ctx) { count(true); return 0; }
