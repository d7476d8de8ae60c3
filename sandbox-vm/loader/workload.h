/* Workloads run under a policy: fork/exec with a timeout, output tail, rusage, and an eject
 * watcher polling sched_ext's sysfs state and the policy's UEI while they run. */
#ifndef SCHEDCP_WORKLOAD_H
#define SCHEDCP_WORKLOAD_H
#include <stdbool.h>

struct policy;

/* What the eject watcher saw: the kernel disabling the policy before we detached it. */
struct watch {
	struct policy *policy;
	double attached_at;
	bool ejected;
	double ejected_after_ms;
	char during[64];
};

void check_eject(struct watch *w, const char *during);
/* Runs every workload of the file ("name TAB timeout_s TAB argv...") and emits one event each. */
void run_all(const char *workloads_path, struct watch *w, const char *policy, bool partial);

#endif
