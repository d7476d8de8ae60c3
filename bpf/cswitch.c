/* Loader for cswitch.bpf.c: per-task voluntary/involuntary switches and migrations, busiest first.
 * tp_btf: rows are the kernel's per-task counters, read by a task iterator at attach and at the end
 * (plus the rows of tasks that exited); the classic fallback counts events into a hash. */
#include "loader_common.h"
#include "probe_types.h"
#include "cswitch.skel.h"
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

static void *open_skel(void) { return cswitch_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct cswitch_bpf *)s)->obj; }
static bool kernel_counters(struct cswitch_bpf *skel) { return bpf_program__autoload(skel->progs.switch_btf); }
static void configure(void *s, const struct probe_args *a)
{
	struct cswitch_bpf *skel = s;
	SET_COMMON_FILTERS(skel, a);
	/* The iterator needs BTF like tp_btf: without it (classic fallback) it is not loaded either. */
	bpf_program__set_autoload(skel->progs.rows_iter, kernel_counters(skel));
	/* A hash's memlock is mostly its buckets: size the maps a mode uses to pid_max, the others to 1. */
	uint32_t tids = row_slots();
	bpf_map__set_max_entries(skel->maps.start, kernel_counters(skel) ? tids : 1);
	bpf_map__set_max_entries(skel->maps.exited, kernel_counters(skel) ? tids : 1);
	bpf_map__set_max_entries(skel->maps.tasks, kernel_counters(skel) ? 1 : tids);
}
static int load(void *s) { return cswitch_bpf__load(s); }


static int attach(void *s, const struct probe_args *a)
{
	struct cswitch_bpf *skel = s;
	int err = cswitch_bpf__attach(skel);
	if (err || !kernel_counters(skel)) return err;
	struct switch_row *none = NULL;
	size_t n = 0;
	err = iter_records(skel->links.rows_iter, sizeof(*none), (void **)&none, &n); /* the snapshot every row counts from (writes no rows) */
	free(none);
	if (err) return err;
	skel->bss->armed = 1;
	return 0;
}
static void destroy(void *s) { cswitch_bpf__destroy(s); }
static volatile uint32_t *mask_of(void *s) { return &((struct cswitch_bpf *)s)->bss->sample_mask; }
/* Only the classic fallback counts events, so only it has anything to sample. */
static bool samples(void *s) { return !kernel_counters(s); }

static struct sw_cpu sum_cpus(void *s)
{
	struct sw_cpu total = {}, *per = calloc(possible_cpus(), sizeof(*per));
	int n = per ? percpu_lookup(bpf_map__fd(((struct cswitch_bpf *)s)->maps.cpu_state), 0, per, sizeof(*per)) : -1;
	for (int c = 0; c < n; c++) {
		total.voluntary += per[c].voluntary;
		total.involuntary += per[c].involuntary;
		total.migrations += per[c].migrations;
		total.recorded += per[c].recorded;
	}
	free(per);
	return total;
}

static uint64_t seen(void *s) { struct sw_cpu t = sum_cpus(s); return t.voluntary + t.involuntary + t.migrations; }
static __u64 total(const struct switch_row *r) { return r->voluntary + r->involuntary + r->migrations; }
static int busiest(const void *x, const void *y)
{
	__u64 a = total(x), b = total(y);
	return a < b ? 1 : a > b ? -1 : 0;
}

static void report(void *s, const struct probe_args *a)
{
	struct cswitch_bpf *skel = s;
	struct switch_row *r = NULL;
	size_t n;
	struct sw_cpu t = {};
	bool kc = kernel_counters(skel);
	if (kc) {
		skel->bss->report = 1;
		n = final_rows(skel->links.rows_iter, bpf_map__fd(skel->maps.exited), 16 /* tid, start_time */, sizeof(*r),
			       offsetof(struct switch_row, start_time), (void **)&r);
		for (size_t i = 0; i < n; i++) {
			t.voluntary += r[i].voluntary;
			t.involuntary += r[i].involuntary;
			t.migrations += r[i].migrations;
		}
		t.recorded = t.voluntary + t.involuntary + t.migrations;
	} else {
		n = collect_rows(-1, 1, bpf_map__fd(skel->maps.tasks), sizeof(*r), (void **)&r);
		t = sum_cpus(s);
	}
	uint64_t all = t.voluntary + t.involuntary + t.migrations;
	/* Totals are exact; per-task rows scale by all events / events recorded in rows (fallback, sampled). */
	double scale = t.recorded ? (double)all / t.recorded : 1.0;
	qsort(r, n, sizeof(*r), busiest);
	printf("\"totals\":{\"voluntary\":%llu,\"involuntary\":%llu,\"migrations\":%llu},\"rows_source\":\"%s\",\"rows_recorded\":%llu,\"scale\":%.4f,\"tasks_seen\":%zu,\"top_tasks\":[",
	       (unsigned long long)t.voluntary, (unsigned long long)t.involuntary, (unsigned long long)t.migrations,
	       kc ? "kernel_counters" : "events", (unsigned long long)t.recorded, scale, n);
	for (size_t i = 0; i < n && i < a->top; i++) {
		printf("%s{\"pid\":%u,\"tgid\":%u,\"comm\":", i ? "," : "", (unsigned)r[i].tid, r[i].tgid);
		json_str(stdout, r[i].comm);
		printf(",\"voluntary\":%llu,\"involuntary\":%llu,\"migrations\":%llu}", (unsigned long long)(r[i].voluntary * scale + 0.5),
		       (unsigned long long)(r[i].involuntary * scale + 0.5), (unsigned long long)(r[i].migrations * scale + 0.5));
	}
	printf("]");
	free(r);
}

int main(int argc, char **argv)
{
	static const struct probe_ops ops = {
		.name = "cswitch", .supports_task_filters = true, .dual_attach = true, .open = open_skel,
		.object = object, .configure = configure, .load = load, .attach = attach, .destroy = destroy, .report = report,
		.seen = seen, .sample_mask = mask_of, .samples = samples,
	};
	return probe_main(argc, argv, &ops);
}
