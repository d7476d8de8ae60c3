/* Classic tracepoints (the loaders' fallback) and perf's tracepoint events need tracefs. When it is
 * not mounted, mount it in a private mount namespace of this process: the mount disappears with the
 * namespace, so nothing is left behind on the host. Header-only so with-tracefs needs no libbpf. */
#ifndef SCHEDCP_TRACEFS_H
#define SCHEDCP_TRACEFS_H
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static inline int private_tracefs(char *why, size_t len)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 || access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (unshare(CLONE_NEWNS) != 0) {
		snprintf(why, len, "tracefs not mounted and unshare(CLONE_NEWNS) failed: %s", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0) {
		snprintf(why, len, "could not mount tracefs in a private namespace: %s", strerror(errno));
		return -1;
	}
	return 0;
}
#endif
