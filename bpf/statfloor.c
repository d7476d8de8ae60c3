/* Loader for statfloor.bpf.c: prints each empty program's ns/event (see the .bpf.c). */
#include "loader_common.h"
#include "statfloor.skel.h"
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>

static void *open_skel(void) { return statfloor_bpf__open(); }
static struct bpf_object *object(void *s) { return ((struct statfloor_bpf *)s)->obj; }
/* SCHEDCP_FLOOR_ONLY=<program> loads that program alone: each hook's floor then owes nothing to
 * the other (6 M sys_enter runs keep the stats path in cache for a sched_switch program). */
static void configure(void *s, const struct probe_args *a)
{
	const char *only = getenv("SCHEDCP_FLOOR_ONLY");
	struct bpf_program *prog;
	if (!only) return;
	bpf_object__for_each_program(prog, object(s))
		if (strcmp(bpf_program__name(prog), only)) bpf_program__set_autoload(prog, false);
}
static int load(void *s) { return statfloor_bpf__load(s); }
static int attach(void *s, const struct probe_args *a) { return statfloor_bpf__attach(s); }
static void destroy(void *s) { statfloor_bpf__destroy(s); }

static void report(void *s, const struct probe_args *a)
{
	struct bpf_program *prog;
	bool first = true;
	printf("\"programs\":{");
	bpf_object__for_each_program(prog, object(s)) {
		struct bpf_prog_info info = {};
		uint32_t len = sizeof(info);
		if (bpf_program__fd(prog) < 0 || bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) != 0) continue;
		printf("%s\"%s\":{\"run_cnt\":%llu,\"ns_per_event\":%.1f}", first ? "" : ",", bpf_program__name(prog),
		       (unsigned long long)info.run_cnt, info.run_cnt ? (double)info.run_time_ns / info.run_cnt : 0.0);
		first = false;
	}
	printf("}");
}

int main(int argc, char **argv)
{
	static const struct probe_ops ops = {
		.name = "statfloor", .supports_task_filters = false, .dual_attach = true, .open = open_skel,
		.object = object, .configure = configure, .load = load, .attach = attach, .destroy = destroy, .report = report,
	};
	return probe_main(argc, argv, &ops);
}
