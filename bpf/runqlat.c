/* Loader for runqlat.bpf.c: histogram of run-queue wait (µs) and the top tasks by total wait. */
#include "loader_common.h"
#include "probe_types.h"
#include "runqlat.skel.h"
#include <stdlib.h>
#include <bpf/bpf.h>

struct rec { __u32 key; struct lat_stat st; };

static void *open_skel(void) { return runqlat_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct runqlat_bpf *)s)->obj; }
static void configure(void *s, const struct probe_args *a) { SET_COMMON_FILTERS((struct runqlat_bpf *)s, a); }
static int load(void *s) { return runqlat_bpf__load(s); }
static int attach(void *s, const struct probe_args *a) { return runqlat_bpf__attach(s); }
static void destroy(void *s) { runqlat_bpf__destroy(s); }
static int by_sum(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	return a->st.sum_ns < b->st.sum_ns ? 1 : a->st.sum_ns > b->st.sum_ns ? -1 : 0;
}

static void report(void *s, const struct probe_args *a)
{
	struct runqlat_bpf *skel = s;
	print_hist(bpf_map__fd(skel->maps.hist), "us");
	struct rec *r;
	size_t n = DUMP_MAP(bpf_map__fd(skel->maps.tasks), struct rec, &r);
	qsort(r, n, sizeof(*r), by_sum);
	printf(",\"tasks_seen\":%zu,\"top_tasks\":[", n);
	for (size_t i = 0; i < n && i < a->top; i++) {
		printf("%s{\"pid\":%u,\"tgid\":%u,\"comm\":", i ? "," : "", r[i].key, r[i].st.tgid);
		json_str(stdout, r[i].st.comm);
		printf(",\"count\":%llu,\"total_wait_ns\":%llu,\"max_wait_ns\":%llu}", (unsigned long long)r[i].st.count,
		       (unsigned long long)r[i].st.sum_ns, (unsigned long long)r[i].st.max_ns);
	}
	printf("]");
	free(r);
}

int main(int argc, char **argv)
{
	static const struct probe_ops ops = {
		.name = "runqlat", .supports_task_filters = true, .dual_attach = true, .open = open_skel,
		.object = object, .configure = configure, .load = load, .attach = attach, .destroy = destroy, .report = report,
	};
	return probe_main(argc, argv, &ops);
}
