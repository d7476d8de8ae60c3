/* Block I/O latency from issue to completion, log2 µs histogram, split by reads and writes. */
#include "common.bpf.h"
#include "probe_types.h"

struct issue { __u64 ts; __u32 write; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, __u64); __type(value, struct issue); } start SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, HIST_SLOTS); __type(key, __u32); __type(value, __u64); } hist SEC(".maps");
/* index 0: reads, 1: writes, 2: other */
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 3); __type(key, __u32); __type(value, struct bio_stat); } ops SEC(".maps");

static __always_inline void issued(__u64 key, __u32 write)
{
	struct issue v = { .ts = bpf_ktime_get_ns(), .write = write };
	bpf_map_update_elem(&start, &key, &v, BPF_ANY);
}

static __always_inline void completed(__u64 key, __u32 bytes)
{
	struct issue *v = bpf_map_lookup_elem(&start, &key);
	if (!v) return;
	__u64 delta = bpf_ktime_get_ns() - v->ts;
	__u32 op = v->write > 2 ? 2 : v->write;
	bpf_map_delete_elem(&start, &key);
	__u32 slot = log2_slot(delta / 1000);
	__u64 *cnt = bpf_map_lookup_elem(&hist, &slot);
	if (cnt) __sync_fetch_and_add(cnt, 1);
	struct bio_stat *st = bpf_map_lookup_elem(&ops, &op);
	if (!st) return;
	__sync_fetch_and_add(&st->count, 1);
	__sync_fetch_and_add(&st->sum_ns, delta);
	__sync_fetch_and_add(&st->bytes, bytes);
	if (delta > st->max_ns) st->max_ns = delta;
}

static __always_inline __u32 op_of(struct request *rq)
{
	__u32 op = BPF_CORE_READ(rq, cmd_flags) & 0xff; /* REQ_OP_MASK: 0 read, 1 write */
	return op > 1 ? 2 : op;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(issue_btf, struct request *rq) { issued((__u64)rq, op_of(rq)); return 0; }
SEC("tp_btf/block_rq_complete")
int BPF_PROG(complete_btf, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{ completed((__u64)rq, nr_bytes); return 0; }

/* Classic tracepoints identify a request by (device, sector). */
static __always_inline __u32 op_of_rwbs(const char *rwbs)
{
	char c = 0;
	bpf_probe_read_kernel(&c, 1, rwbs);
	return c == 'R' ? 0 : c == 'W' ? 1 : 2;
}
SEC("tracepoint/block/block_rq_issue")
int issue_tp(struct trace_event_raw_block_rq *ctx)
{ issued(ctx->sector ^ ((__u64)ctx->dev << 44), op_of_rwbs(ctx->rwbs)); return 0; }
SEC("tracepoint/block/block_rq_complete")
int complete_tp(struct trace_event_raw_block_rq_completion *ctx)
{ completed(ctx->sector ^ ((__u64)ctx->dev << 44), ctx->nr_sector * 512); return 0; }
