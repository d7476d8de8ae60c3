/* with-tracefs CMD ARGS...: run CMD in a private mount namespace where tracefs is mounted at
 * /sys/kernel/tracing (perf's tracepoint events need it). The mount disappears with the namespace,
 * so nothing is left behind on the host. If tracefs is already mounted, just exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: with-tracefs CMD [ARGS...]\n");
		return 2;
	}
	if (access("/sys/kernel/tracing/events", F_OK) != 0) {
		if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0) {
			fprintf(stderr, "with-tracefs: cannot mount tracefs in a private mount namespace: %s\n", strerror(errno));
			return 126;
		}
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "with-tracefs: cannot run %s: %s\n", argv[1], strerror(errno));
	return 127;
}
