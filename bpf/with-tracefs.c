/* with-tracefs CMD ARGS...: run CMD with tracefs reachable at /sys/kernel/tracing (perf's tracepoint
 * events need it), mounted in a private mount namespace if it is not mounted already (tracefs.h). */
#define _GNU_SOURCE
#include "tracefs.h"

int main(int argc, char **argv)
{
	char why[256];
	if (argc < 2) {
		fprintf(stderr, "usage: with-tracefs CMD [ARGS...]\n");
		return 2;
	}
	if (private_tracefs(why, sizeof(why)) != 0) {
		fprintf(stderr, "with-tracefs: %s\n", why);
		return 126;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "with-tracefs: cannot run %s: %s\n", argv[1], strerror(errno));
	return 127;
}
