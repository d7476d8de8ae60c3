/* Loader for proclife.bpf.c: streams fork/exec/exit events as JSON lines (up to --max-events), then totals. */
#include "loader_common.h"
#include "probe_types.h"
#include "proclife.skel.h"
#include <bpf/bpf.h>

static struct ring_buffer *rb;
static const char *kinds[] = { "", "fork", "exec", "exit" };

static int on_event(void *ctx, void *data, size_t len)
{
	const struct schedcp_proc_event *e = data;
	const struct probe_args *a = ctx;
	if (events_printed >= a->max_events) { events_dropped++; return 0; }
	events_printed++;
	printf("{\"type\":\"event\",\"kind\":\"%s\",\"ts_ns\":%llu,\"pid\":%u,\"tgid\":%u,\"ppid\":%u,\"comm\":",
	       e->kind <= 3 ? kinds[e->kind] : "?", (unsigned long long)e->ts_ns, e->pid, e->tgid, e->ppid);
	json_str(stdout, e->comm);
	if (e->kind == PROC_EXEC) { printf(",\"filename\":"); json_str(stdout, e->filename); }
	if (e->kind == PROC_EXIT) printf(",\"exit_code\":%d,\"signal\":%d", (e->exit_code >> 8) & 0xff, e->exit_code & 0x7f);
	printf("}\n");
	return 0;
}

static void *open_skel(void) { return proclife_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct proclife_bpf *)s)->obj; }
static void configure(void *s, const struct probe_args *a) { SET_COMMON_FILTERS((struct proclife_bpf *)s, a); }
static int load(void *s) { return proclife_bpf__load(s); }
static int attach(void *s, const struct probe_args *a)
{
	struct proclife_bpf *skel = s;
	int err = proclife_bpf__attach(skel);
	if (err) return err;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, (void *)a, NULL);
	return rb ? 0 : -1;
}
static void destroy(void *s)
{
	ring_buffer__free(rb);
	rb = NULL;
	proclife_bpf__destroy(s);
}
/* Programs submit without wakeups (an irq_work per event costs microseconds), so drain on a timer. */
static int poll_rb(void *s, int timeout_ms)
{
	if (timeout_ms > 0) usleep((useconds_t)(timeout_ms > 50 ? 50 : timeout_ms) * 1000);
	int n = ring_buffer__consume(rb);
	fflush(stdout);
	return n;
}

static void report(void *s, const struct probe_args *a)
{
	struct proclife_bpf *skel = s;
	__u64 c[4] = {}, lost = 0;
	for (__u32 k = 1; k <= 3; k++) bpf_map_lookup_elem(bpf_map__fd(skel->maps.counts), &k, &c[k]);
	__u32 zero = 0;
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.lost), &zero, &lost);
	printf("\"totals\":{\"fork\":%llu,\"exec\":%llu,\"exit\":%llu},\"ring_buffer_lost\":%llu", (unsigned long long)c[1],
	       (unsigned long long)c[2], (unsigned long long)c[3], (unsigned long long)lost);
}

int main(int argc, char **argv)
{
	static const struct probe_ops ops = {
		.name = "proclife", .supports_task_filters = true, .dual_attach = true, .open = open_skel, .object = object,
		.configure = configure, .load = load, .attach = attach, .destroy = destroy, .poll = poll_rb, .report = report,
	};
	return probe_main(argc, argv, &ops);
}
