/* Loader for cswitch.bpf.c: per-task voluntary/involuntary switches and migrations, busiest first. */
#include "loader_common.h"
#include "probe_types.h"
#include "cswitch.skel.h"
#include <stdlib.h>
#include <bpf/bpf.h>

struct rec { __u32 key; struct switch_stat st; };

static void *open_skel(void) { return cswitch_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct cswitch_bpf *)s)->obj; }
static void configure(void *s, const struct probe_args *a) { SET_COMMON_FILTERS((struct cswitch_bpf *)s, a); }
static int load(void *s) { return cswitch_bpf__load(s); }
static int attach(void *s, const struct probe_args *a) { return cswitch_bpf__attach(s); }
static void destroy(void *s) { cswitch_bpf__destroy(s); }
static __u64 total(const struct rec *r) { return r->st.voluntary + r->st.involuntary + r->st.migrations; }
static int busiest(const void *x, const void *y)
{
	__u64 a = total(x), b = total(y);
	return a < b ? 1 : a > b ? -1 : 0;
}

static void report(void *s, const struct probe_args *a)
{
	struct cswitch_bpf *skel = s;
	struct rec *r;
	size_t n = DUMP_MAP(bpf_map__fd(skel->maps.tasks), struct rec, &r);
	__u64 vol = 0, invol = 0, mig = 0;
	for (size_t i = 0; i < n; i++) { vol += r[i].st.voluntary; invol += r[i].st.involuntary; mig += r[i].st.migrations; }
	qsort(r, n, sizeof(*r), busiest);
	printf("\"totals\":{\"voluntary\":%llu,\"involuntary\":%llu,\"migrations\":%llu},\"tasks_seen\":%zu,\"top_tasks\":[",
	       (unsigned long long)vol, (unsigned long long)invol, (unsigned long long)mig, n);
	for (size_t i = 0; i < n && i < a->top; i++) {
		printf("%s{\"pid\":%u,\"tgid\":%u,\"comm\":", i ? "," : "", r[i].key, r[i].st.tgid);
		json_str(stdout, r[i].st.comm);
		printf(",\"voluntary\":%llu,\"involuntary\":%llu,\"migrations\":%llu}", (unsigned long long)r[i].st.voluntary,
		       (unsigned long long)r[i].st.involuntary, (unsigned long long)r[i].st.migrations);
	}
	printf("]");
	free(r);
}

int main(int argc, char **argv)
{
	static const struct probe_ops ops = {
		.name = "cswitch", .supports_task_filters = true, .dual_attach = true, .open = open_skel,
		.object = object, .configure = configure, .load = load, .attach = attach, .destroy = destroy, .report = report,
	};
	return probe_main(argc, argv, &ops);
}
