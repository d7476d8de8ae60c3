/* Loader for pagefaults.bpf.c: opens page-faults-min/-maj software events on every online CPU and
 * attaches one program to each; pid, comm and cgroup filters are applied in the BPF program. */
#include "loader_common.h"
#include "probe_types.h"
#include "pagefaults.skel.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

struct rec { __u32 key; struct fault_stat st; };
#define MAX_LINKS 1024
static struct bpf_link *links[MAX_LINKS];
static int nlinks;

static void *open_skel(void) { return pagefaults_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct pagefaults_bpf *)s)->obj; }
static void configure(void *s, const struct probe_args *a) { SET_COMMON_FILTERS((struct pagefaults_bpf *)s, a); }
static int load(void *s) { return pagefaults_bpf__load(s); }
static void destroy(void *s)
{
	for (int i = 0; i < nlinks; i++) bpf_link__destroy(links[i]);
	nlinks = 0;
	pagefaults_bpf__destroy(s);
}

static int open_and_attach(struct bpf_program *prog, __u64 config, int cpu)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_SOFTWARE, .size = sizeof(attr), .config = config, .sample_period = 1 };
	int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) return -errno;
	struct bpf_link *link = bpf_program__attach_perf_event(prog, fd);
	if (!link) { int err = -errno; close(fd); return err; }
	if (nlinks == MAX_LINKS) { bpf_link__destroy(link); return -E2BIG; }
	links[nlinks++] = link;  /* the link owns fd and closes it */
	return 0;
}

static int attach(void *s, const struct probe_args *a)
{
	struct pagefaults_bpf *skel = s;
	int ncpu = libbpf_num_possible_cpus();
	for (int cpu = 0; cpu < ncpu; cpu++) {
		int err = open_and_attach(skel->progs.minor_fault, PERF_COUNT_SW_PAGE_FAULTS_MIN, cpu);
		if (!err) err = open_and_attach(skel->progs.major_fault, PERF_COUNT_SW_PAGE_FAULTS_MAJ, cpu);
		/* CPUs that are possible but offline refuse events; skip them. */
		if (err == -ENODEV || err == -EINVAL) continue;
		if (err) return err;
	}
	return nlinks ? 0 : -ENODEV;
}

static int by_total(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	__u64 ta = a->st.minor + a->st.major, tb = b->st.minor + b->st.major;
	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

static void report(void *s, const struct probe_args *a)
{
	struct pagefaults_bpf *skel = s;
	struct rec *r;
	size_t n = DUMP_MAP(bpf_map__fd(skel->maps.tasks), struct rec, &r);
	__u64 minor = 0, major = 0;
	for (size_t i = 0; i < n; i++) { minor += r[i].st.minor; major += r[i].st.major; }
	qsort(r, n, sizeof(*r), by_total);
	printf("\"totals\":{\"minor\":%llu,\"major\":%llu},\"tasks_seen\":%zu,\"top_tasks\":[", (unsigned long long)minor,
	       (unsigned long long)major, n);
	for (size_t i = 0; i < n && i < a->top; i++) {
		printf("%s{\"pid\":%u,\"tgid\":%u,\"comm\":", i ? "," : "", r[i].key, r[i].st.tgid);
		json_str(stdout, r[i].st.comm);
		printf(",\"minor\":%llu,\"major\":%llu}", (unsigned long long)r[i].st.minor, (unsigned long long)r[i].st.major);
	}
	printf("]");
	free(r);
}

int main(int argc, char **argv)
{
	static const struct probe_ops ops = {
		.name = "pagefaults", .supports_task_filters = true, .dual_attach = false, .open = open_skel,
		.object = object, .configure = configure, .load = load, .attach = attach, .destroy = destroy, .report = report,
	};
	return probe_main(argc, argv, &ops);
}
