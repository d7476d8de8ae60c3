/* with-tracefs [--bpf-stats] CMD ARGS...: run CMD with tracefs reachable at /sys/kernel/tracing
 * (perf's and bpftrace's tracepoint events need it), mounted in a private mount namespace if it is
 * not mounted already (tracefs.h). --bpf-stats keeps kernel BPF run-time statistics on for CMD's
 * lifetime through a BPF_ENABLE_STATS fd it inherits (the kernel restores the previous state when
 * the last holder exits), so peers such as bpftrace are measured like the probes. */
#define _GNU_SOURCE
#include "tracefs.h"
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>

static int enable_bpf_stats(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.enable_stats.type = BPF_STATS_RUN_TIME;
	int fd = syscall(__NR_bpf, BPF_ENABLE_STATS, &attr, sizeof(attr));
	if (fd < 0 || fcntl(fd, F_SETFD, 0) != 0) return -1; /* the fd is O_CLOEXEC: keep it across exec */
	return fd;
}

int main(int argc, char **argv)
{
	char why[256];
	int first = 1;
	if (argc > 1 && strcmp(argv[1], "--bpf-stats") == 0) {
		if (enable_bpf_stats() < 0) {
			fprintf(stderr, "with-tracefs: BPF_ENABLE_STATS failed: %s\n", strerror(errno));
			return 126;
		}
		first = 2;
	}
	if (argc <= first) {
		fprintf(stderr, "usage: with-tracefs [--bpf-stats] CMD [ARGS...]\n");
		return 2;
	}
	if (private_tracefs(why, sizeof(why)) != 0) {
		fprintf(stderr, "with-tracefs: %s\n", why);
		return 126;
	}
	execvp(argv[first], argv + first);
	fprintf(stderr, "with-tracefs: cannot run %s: %s\n", argv[first], strerror(errno));
	return 127;
}
