/* Loader for syscalls.bpf.c: counting mode prints exact per-syscall counts; latency mode adds
 * errors and latency per syscall and the top (syscall, process) pairs, scaled when sampled. */
#include "loader_common.h"
#include "probe_types.h"
#include "syscalls.skel.h"
#include "syscall_names.h"
#include <stdlib.h>
#include <bpf/bpf.h>

struct rec { struct syscall_key key; struct syscall_stat st; };

static void *open_skel(void) { return syscalls_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct syscalls_bpf *)s)->obj; }
static void configure(void *s, const struct probe_args *a)
{
	struct syscalls_bpf *skel = s;
	SET_COMMON_FILTERS(skel, a);
	skel->rodata->latency = a->latency;
	/* tp_btf counting without filters: no read of current, so the loader is counted too (see .bpf.c). */
	skel->rodata->count_all = !a->latency && !a->pid && !a->cgroup_id && !a->has_comm && bpf_program__autoload(skel->progs.enter_btf);
	if (!a->latency) { /* counting: no sys_exit program at all, and no (process, syscall) table */
		bpf_program__set_autoload(skel->progs.exit_btf, false);
		bpf_program__set_autoload(skel->progs.exit_tp, false);
		bpf_map__set_max_entries(skel->maps.stats, 1); /* a preallocated hash: 16384 rows were ~1.6 MiB of memlock */
	}
}
static volatile uint32_t *mask_of(void *s) { return &((struct syscalls_bpf *)s)->bss->sample_mask; }
static struct sys_cpu sum_cpus(void *s)
{
	struct sys_cpu total = {}, *per = calloc(possible_cpus(), sizeof(*per));
	int n = per ? percpu_lookup(bpf_map__fd(((struct syscalls_bpf *)s)->maps.cpu_state), 0, per, sizeof(*per)) : -1;
	for (int c = 0; c < n; c++) { total.seen += per[c].seen; total.stamped += per[c].stamped; }
	free(per);
	return total;
}
static uint64_t seen(void *s) { return sum_cpus(s).seen; }
/* Counting mode records every syscall: only latency mode has stamps to sample. */
static bool samples(void *s) { return ((struct syscalls_bpf *)s)->rodata->latency; }
static int load(void *s) { return syscalls_bpf__load(s); }
static int attach(void *s, const struct probe_args *a) { return syscalls_bpf__attach(s); }
static void destroy(void *s) { syscalls_bpf__destroy(s); }
static int by_time(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	return a->st.sum_ns < b->st.sum_ns ? 1 : a->st.sum_ns > b->st.sum_ns ? -1 : 0;
}
static void name_of(__u32 id, char *buf, size_t len)
{
	if (id < sizeof(syscall_names) / sizeof(syscall_names[0]) && syscall_names[id]) snprintf(buf, len, "%s", syscall_names[id]);
	else snprintf(buf, len, "syscall_%u", id);
}

struct count { __u32 id; __u64 count; };
static int by_count(const void *x, const void *y)
{
	const struct count *a = x, *b = y;
	return a->count < b->count ? 1 : a->count > b->count ? -1 : 0;
}

/* Exact per-syscall counts from the per-CPU array (both modes). */
static size_t read_counts(struct syscalls_bpf *skel, struct count *out)
{
	int fd = bpf_map__fd(skel->maps.counts), ncpu = possible_cpus();
	__u64 *per = calloc(ncpu, sizeof(*per));
	size_t m = 0;
	for (__u32 id = 0; per && id < SYSCALL_SLOTS; id++) {
		if (percpu_lookup(fd, id, per, sizeof(*per)) < 0) continue;
		__u64 sum = 0;
		for (int c = 0; c < ncpu; c++) sum += per[c];
		if (sum) out[m++] = (struct count){ .id = id, .count = sum };
	}
	free(per);
	return m;
}

static void report(void *s, const struct probe_args *a)
{
	struct syscalls_bpf *skel = s;
	bool all = skel->rodata->count_all;
	if (all) syscalls_bpf__detach(skel); /* its own map reads below are not counted */
	static struct count counts[SYSCALL_SLOTS];
	size_t m = read_counts(skel, counts);
	qsort(counts, m, sizeof(*counts), by_count);
	__u64 total = 0;
	for (size_t i = 0; i < m; i++) total += counts[i].count;
	char name[64];
	printf("\"mode\":\"%s\",\"loader_excluded\":%s,\"total\":%llu,\"distinct_syscalls\":%zu", a->latency ? "latency" : "counting",
	       all ? "false" : "true", (unsigned long long)total, m);
	if (!a->latency) {
		printf(",\"syscalls\":[");
		for (size_t i = 0; i < m && i < a->top; i++) {
			name_of(counts[i].id, name, sizeof(name));
			printf("%s{\"syscall\":\"%s\",\"id\":%u,\"count\":%llu}", i ? "," : "", name, counts[i].id, (unsigned long long)counts[i].count);
		}
		printf("]");
		return;
	}
	struct sys_cpu sc = sum_cpus(s);
	double scale = sc.stamped ? (double)sc.seen / sc.stamped : 1.0;
	struct rec *r;
	size_t n = DUMP_MAP(bpf_map__fd(skel->maps.stats), struct rec, &r);
	/* Fold per-process rows into per-syscall latency totals; counts come from the exact array. */
	struct rec *by_id = calloc(n + 1, sizeof(*by_id));
	size_t k = 0;
	for (size_t i = 0; i < n && by_id; i++) {
		size_t j = 0;
		while (j < k && by_id[j].key.id != r[i].key.id) j++;
		if (j == k) { by_id[k].key.id = r[i].key.id; k++; }
		by_id[j].st.count += r[i].st.count; by_id[j].st.sum_ns += r[i].st.sum_ns; by_id[j].st.errors += r[i].st.errors;
		if (r[i].st.max_ns > by_id[j].st.max_ns) by_id[j].st.max_ns = r[i].st.max_ns;
	}
	qsort(by_id, k, sizeof(*by_id), by_time);
	qsort(r, n, sizeof(*r), by_time);
	printf(",\"scale\":%.4f,\"syscalls\":[", scale);
	for (size_t i = 0; i < k && i < a->top; i++) {
		__u64 exact = 0;
		for (size_t j = 0; j < m; j++) if (counts[j].id == by_id[i].key.id) exact = counts[j].count;
		name_of(by_id[i].key.id, name, sizeof(name));
		printf("%s{\"syscall\":\"%s\",\"id\":%u,\"count\":%llu,\"errors\":%llu,\"total_ns\":%llu,\"max_ns\":%llu}", i ? "," : "", name,
		       by_id[i].key.id, (unsigned long long)exact, (unsigned long long)(by_id[i].st.errors * scale + 0.5),
		       (unsigned long long)(by_id[i].st.sum_ns * scale + 0.5), (unsigned long long)by_id[i].st.max_ns);
	}
	printf("],\"top_process_syscalls\":[");
	for (size_t i = 0; i < n && i < a->top; i++) {
		name_of(r[i].key.id, name, sizeof(name));
		printf("%s{\"tgid\":%u,\"comm\":", i ? "," : "", r[i].key.tgid);
		json_str(stdout, r[i].st.comm);
		printf(",\"syscall\":\"%s\",\"count\":%llu,\"errors\":%llu,\"total_ns\":%llu,\"max_ns\":%llu}", name,
		       (unsigned long long)(r[i].st.count * scale + 0.5), (unsigned long long)(r[i].st.errors * scale + 0.5),
		       (unsigned long long)(r[i].st.sum_ns * scale + 0.5), (unsigned long long)r[i].st.max_ns);
	}
	printf("]");
	free(by_id);
	free(r);
}

int main(int argc, char **argv)
{
	static const struct probe_ops ops = {
		.name = "syscalls", .supports_task_filters = true, .dual_attach = true, .open = open_skel,
		.object = object, .configure = configure, .load = load, .attach = attach, .destroy = destroy, .report = report,
		.seen = seen, .sample_mask = mask_of, .samples = samples,
	};
	return probe_main(argc, argv, &ops);
}
