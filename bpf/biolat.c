/* Loader for biolat.bpf.c: block I/O latency histogram (µs) and per-direction totals. */
#include "loader_common.h"
#include "probe_types.h"
#include "biolat.skel.h"
#include <bpf/bpf.h>

static void *open_skel(void) { return biolat_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct biolat_bpf *)s)->obj; }
static void configure(void *s, const struct probe_args *a) { }
static int load(void *s) { return biolat_bpf__load(s); }
static int attach(void *s, const struct probe_args *a) { return biolat_bpf__attach(s); }
static void destroy(void *s) { biolat_bpf__destroy(s); }

static void report(void *s, const struct probe_args *a)
{
	struct biolat_bpf *skel = s;
	static const char *names[] = { "read", "write", "other" };
	print_hist(bpf_map__fd(skel->maps.hist), "us");
	printf(",\"ops\":{");
	for (__u32 i = 0; i < 3; i++) {
		struct bio_stat st = {};
		bpf_map_lookup_elem(bpf_map__fd(skel->maps.ops), &i, &st);
		printf("%s\"%s\":{\"count\":%llu,\"bytes\":%llu,\"total_ns\":%llu,\"max_ns\":%llu}", i ? "," : "", names[i],
		       (unsigned long long)st.count, (unsigned long long)st.bytes, (unsigned long long)st.sum_ns,
		       (unsigned long long)st.max_ns);
	}
	printf("}");
}

int main(int argc, char **argv)
{
	static const struct probe_ops ops = {
		.name = "biolat", .supports_task_filters = false, .dual_attach = true, .open = open_skel,
		.object = object, .configure = configure, .load = load, .attach = attach, .destroy = destroy, .report = report,
	};
	return probe_main(argc, argv, &ops);
}
