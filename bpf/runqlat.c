/* Loader for runqlat.bpf.c: histogram of run-queue wait (µs) and the top tasks by total wait.
 * Per-CPU state is summed here; when sampled, the histogram (and event-counted rows) are scaled by
 * seen / stamped. Rows from the kernel's sched_info counters are read by a task iterator at attach
 * and at the end (plus the rows of tasks that exited) and need no scaling. */
#include "loader_common.h"
#include "probe_types.h"
#include "runqlat.skel.h"
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <unistd.h>

static void *open_skel(void) { return runqlat_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct runqlat_bpf *)s)->obj; }
static bool has_member(const struct btf *btf, const char *type, const char *member)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	if (id < 0) return false;
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member)) return true;
	return false;
}

/* The kernel keeps sched_info (CONFIG_SCHED_INFO) and cfs_rq.rq (CONFIG_FAIR_GROUP_SCHED). */
static bool has_sched_info(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf) return false;
	bool ok = has_member(btf, "sched_info", "last_queued") && has_member(btf, "cfs_rq", "rq") &&
		  access("/proc/self/schedstat", R_OK) == 0;
	btf__free(btf);
	return ok;
}

static bool has_max_run_delay(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool ok = btf && has_member(btf, "sched_info", "max_run_delay");
	btf__free(btf);
	return ok;
}

static void configure(void *s, const struct probe_args *a)
{
	struct runqlat_bpf *skel = s;
	SET_COMMON_FILTERS(skel, a);
	/* tp_btf with the kernel's accounting: sched_switch alone, no wakeup hooks. */
	bool btf_mode = bpf_program__autoload(skel->progs.switch_btf);
	skel->rodata->use_sched_info = btf_mode && has_sched_info();
	if (skel->rodata->use_sched_info) {
		bpf_program__set_autoload(skel->progs.wakeup_btf, false);
		bpf_program__set_autoload(skel->progs.wakeup_new_btf, false);
	}
	/* A comm or cgroup can change in the window, a tgid cannot: only then do the kernel's counters
	 * hold exactly the waits of the tasks the filter selects. The per-task max then comes from
	 * sched_info.max_run_delay (Linux 6.15+); older kernels count rows per event, and so does
	 * --exact-task-max (the lifetime max cannot give every task's window max; ~40 ns/event more). */
	bool kc = skel->rodata->use_sched_info && !a->has_comm && !a->cgroup_id && !a->exact_task_max && has_max_run_delay();
	skel->rodata->rows_from_kernel = kc;
	bpf_program__set_autoload(skel->progs.rows_iter, kc);
	bpf_program__set_autoattach(skel->progs.rows_iter, false); /* attached before sched_switch, by attach() */
	/* tp_btf: live rows (or max slots) in a direct-mapped array; the classic fallback keeps rows and
	 * stamps in hashes. A hash's memlock is mostly buckets: pid_max, not 65536; unused maps get 1. */
	uint32_t slots = btf_mode ? row_slots() : 1, tids = row_slots();
	bpf_map__set_max_entries(skel->maps.rows, kc ? 1 : slots);
	skel->rodata->row_mask = slots - 1;
	if (btf_mode) bpf_map__set_max_entries(skel->maps.start, 1);
	bpf_map__set_max_entries(skel->maps.tasks, kc ? 1 : tids);
	bpf_map__set_max_entries(skel->maps.snap, kc ? tids : 1);
	bpf_map__set_max_entries(skel->maps.exited, kc ? tids : 1);
}
static int load(void *s) { return runqlat_bpf__load(s); }
static bool kernel_rows(struct runqlat_bpf *skel) { return skel->rodata->rows_from_kernel; }


static int attach(void *s, const struct probe_args *a)
{
	struct runqlat_bpf *skel = s;
	if (kernel_rows(skel)) {
		/* The snapshot every row counts from (writes no rows) comes first: it also tells the
		 * program the loader's own task, which sched_switch must then never count. */
		skel->links.rows_iter = bpf_program__attach_iter(skel->progs.rows_iter, NULL);
		if (!skel->links.rows_iter) return -errno;
		struct lat_row *none = NULL;
		size_t n = 0;
		int err = iter_records(skel->links.rows_iter, sizeof(*none), (void **)&none, &n);
		free(none);
		if (err) return err;
		skel->bss->armed = 1;
	}
	return runqlat_bpf__attach(skel);
}
static void destroy(void *s) { runqlat_bpf__destroy(s); }
static volatile uint32_t *mask_of(void *s) { return &((struct runqlat_bpf *)s)->bss->sample_mask; }
static int by_sum(const void *x, const void *y)
{
	const struct lat_row *a = x, *b = y;
	return a->sum_ns < b->sum_ns ? 1 : a->sum_ns > b->sum_ns ? -1 : 0;
}

static struct rq_cpu sum_cpus(void *s)
{
	struct rq_cpu total = {}, *per = calloc(possible_cpus(), sizeof(*per));
	int n = per ? percpu_lookup(bpf_map__fd(((struct runqlat_bpf *)s)->maps.cpu_state), 0, per, sizeof(*per)) : -1;
	for (int c = 0; c < n; c++) {
		total.seen += per[c].seen;
		total.stamped += per[c].stamped;
		for (int i = 0; i < HIST_SLOTS; i++) total.hist[i] += per[c].hist[i];
	}
	free(per);
	return total;
}

static uint64_t seen(void *s) { return sum_cpus(s).seen; }

static void report(void *s, const struct probe_args *a)
{
	struct runqlat_bpf *skel = s;
	struct rq_cpu t = sum_cpus(s);
	double scale = t.stamped ? (double)t.seen / t.stamped : 1.0;
	print_hist_slots(t.hist, "us", scale);
	struct lat_row *r = NULL;
	size_t n;
	bool kc = kernel_rows(skel);
	if (kc) {
		skel->bss->report = 1;
		n = final_rows(skel->links.rows_iter, bpf_map__fd(skel->maps.exited), 16 /* tid, start_time */, sizeof(*r),
			       offsetof(struct lat_row, start_time), (void **)&r);
	} else {
		n = collect_rows(bpf_map__fd(skel->maps.rows), bpf_map__max_entries(skel->maps.rows), bpf_map__fd(skel->maps.tasks), sizeof(*r), (void **)&r);
	}
	double row_scale = kc ? 1.0 : scale;
	qsort(r, n, sizeof(*r), by_sum);
	printf(",\"clock\":\"%s\",\"rows_source\":\"%s\",\"waits_seen\":%llu,\"waits_recorded\":%llu,\"scale\":%.4f,\"rows_scale\":%.4f,\"tasks_seen\":%zu,\"top_tasks\":[",
	       skel->rodata->use_sched_info ? "sched_info" : "ktime", kc ? "sched_info_counters" : "events", (unsigned long long)t.seen,
	       (unsigned long long)t.stamped, scale, row_scale, n);
	for (size_t i = 0; i < n && i < a->top; i++) {
		printf("%s{\"pid\":%u,\"tgid\":%u,\"comm\":", i ? "," : "", (unsigned)r[i].tid, r[i].tgid);
		json_str(stdout, r[i].comm);
		printf(",\"count\":%llu,\"total_wait_ns\":%llu", (unsigned long long)(r[i].count * row_scale + 0.5),
		       (unsigned long long)(r[i].sum_ns * row_scale + 0.5));
		/* events: the largest wait measured (with sampling, a lower bound); kernel counters: the
		 * task's lifetime max when it grew in the window, else unknown and at most that */
		if (r[i].flags & LAT_MAX_BOUND) printf(",\"max_wait_ns\":null,\"max_wait_at_most_ns\":%llu}", (unsigned long long)r[i].max_ns);
		else printf(",\"max_wait_ns\":%llu}", (unsigned long long)r[i].max_ns);
	}
	printf("]");
	free(r);
}

int main(int argc, char **argv)
{
	static const struct probe_ops ops = {
		.name = "runqlat", .supports_task_filters = true, .dual_attach = true, .open = open_skel,
		.object = object, .configure = configure, .load = load, .attach = attach, .destroy = destroy, .report = report,
		.seen = seen, .sample_mask = mask_of,
	};
	return probe_main(argc, argv, &ops);
}
