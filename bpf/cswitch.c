/* Loader for cswitch.bpf.c: per-task voluntary/involuntary switches and migrations, busiest first. */
#include "loader_common.h"
#include "probe_types.h"
#include "cswitch.skel.h"
#include <stdlib.h>
#include <bpf/bpf.h>


static void *open_skel(void) { return cswitch_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct cswitch_bpf *)s)->obj; }
static void configure(void *s, const struct probe_args *a)
{
	struct cswitch_bpf *skel = s;
	SET_COMMON_FILTERS(skel, a);
	/* tp_btf: live rows in the direct-mapped array; the classic fallback keeps them in the hash. */
	uint32_t slots = bpf_program__autoload(skel->progs.switch_btf) ? row_slots() : 1;
	bpf_map__set_max_entries(skel->maps.rows, slots);
	skel->rodata->row_mask = slots - 1;
}
static int load(void *s) { return cswitch_bpf__load(s); }
static int attach(void *s, const struct probe_args *a) { return cswitch_bpf__attach(s); }
static void destroy(void *s) { cswitch_bpf__destroy(s); }
static volatile uint32_t *mask_of(void *s) { return &((struct cswitch_bpf *)s)->bss->sample_mask; }

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
	struct switch_row *r;
	size_t n = collect_rows(bpf_map__fd(skel->maps.rows), bpf_map__max_entries(skel->maps.rows), bpf_map__fd(skel->maps.tasks), sizeof(*r), (void **)&r);
	struct sw_cpu t = sum_cpus(s);
	uint64_t all = t.voluntary + t.involuntary + t.migrations;
	/* Totals are exact; per-task rows scale by all events / events recorded in rows. */
	double scale = t.recorded ? (double)all / t.recorded : 1.0;
	qsort(r, n, sizeof(*r), busiest);
	printf("\"totals\":{\"voluntary\":%llu,\"involuntary\":%llu,\"migrations\":%llu},\"rows_recorded\":%llu,\"scale\":%.4f,\"tasks_seen\":%zu,\"top_tasks\":[",
	       (unsigned long long)t.voluntary, (unsigned long long)t.involuntary, (unsigned long long)t.migrations,
	       (unsigned long long)t.recorded, scale, n);
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
		.seen = seen, .sample_mask = mask_of,
	};
	return probe_main(argc, argv, &ops);
}
