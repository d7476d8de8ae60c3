/* Loader for syscalls.bpf.c: per syscall totals (count, latency, errors) and the top (syscall, process) pairs. */
#include "loader_common.h"
#include "probe_types.h"
#include "syscalls.skel.h"
#include "syscall_names.h"
#include <stdlib.h>
#include <bpf/bpf.h>

struct rec { struct syscall_key key; struct syscall_stat st; };

static void *open_skel(void) { return syscalls_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct syscalls_bpf *)s)->obj; }
static void configure(void *s, const struct probe_args *a) { SET_COMMON_FILTERS((struct syscalls_bpf *)s, a); }
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

static void report(void *s, const struct probe_args *a)
{
	struct syscalls_bpf *skel = s;
	struct rec *r;
	size_t n = DUMP_MAP(bpf_map__fd(skel->maps.stats), struct rec, &r);
	/* Fold per-process rows into per-syscall totals (tgid 0 marks the folded rows). */
	struct rec *by_id = calloc(n + 1, sizeof(*by_id));
	size_t m = 0;
	for (size_t i = 0; i < n && by_id; i++) {
		size_t j = 0;
		while (j < m && by_id[j].key.id != r[i].key.id) j++;
		if (j == m) { by_id[m].key.id = r[i].key.id; m++; }
		by_id[j].st.count += r[i].st.count; by_id[j].st.sum_ns += r[i].st.sum_ns; by_id[j].st.errors += r[i].st.errors;
		if (r[i].st.max_ns > by_id[j].st.max_ns) by_id[j].st.max_ns = r[i].st.max_ns;
	}
	qsort(by_id, m, sizeof(*by_id), by_time);
	qsort(r, n, sizeof(*r), by_time);
	char name[64];
	printf("\"syscalls\":[");
	for (size_t i = 0; i < m && i < a->top; i++) {
		name_of(by_id[i].key.id, name, sizeof(name));
		printf("%s{\"syscall\":\"%s\",\"id\":%u,\"count\":%llu,\"errors\":%llu,\"total_ns\":%llu,\"max_ns\":%llu}", i ? "," : "", name,
		       by_id[i].key.id, (unsigned long long)by_id[i].st.count, (unsigned long long)by_id[i].st.errors,
		       (unsigned long long)by_id[i].st.sum_ns, (unsigned long long)by_id[i].st.max_ns);
	}
	printf("],\"distinct_syscalls\":%zu,\"top_process_syscalls\":[", m);
	for (size_t i = 0; i < n && i < a->top; i++) {
		name_of(r[i].key.id, name, sizeof(name));
		printf("%s{\"tgid\":%u,\"comm\":", i ? "," : "", r[i].key.tgid);
		json_str(stdout, r[i].st.comm);
		printf(",\"syscall\":\"%s\",\"count\":%llu,\"errors\":%llu,\"total_ns\":%llu,\"max_ns\":%llu}", name,
		       (unsigned long long)r[i].st.count, (unsigned long long)r[i].st.errors, (unsigned long long)r[i].st.sum_ns,
		       (unsigned long long)r[i].st.max_ns);
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
	};
	return probe_main(argc, argv, &ops);
}
