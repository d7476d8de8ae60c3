/* Small helpers of the node agent: base64, files, the object store, /proc/<pid>/stat, kmsg. */
#ifndef SCHEDCP_NODE_UTIL_H
#define SCHEDCP_NODE_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define OBJ_DIR "/run/schedcp-node/obj"

/* Decodes base64 into a malloc'd buffer; returns its length or -1. */
long b64_decode(const char *in, unsigned char **out);
/* sha256 of a file as 64 hex digits (busybox sha256sum); false when it cannot be computed. */
bool file_sha256(const char *path, char out[65]);
bool valid_sha(const char *s);
void object_path(const char *sha, char *buf, size_t len);
/* State letter and a progress counter (context switches) of a task; false when it is gone. */
bool task_cpu(pid_t pid, char *state, unsigned long long *progress);
/* The agent's own user+system CPU time in µs. */
double self_cpu_us(void);
/* Kernel log: the first "sched_ext" record after `fd` was opened, in guest ms (0 if none), and its text. */
int kmsg_open_end(void);
double kmsg_sched_ext(int fd, char *text, size_t len);
/* `schedcp.KEY=VALUE` from the kernel command line, or dflt. */
long cmdline_opt(const char *key, long dflt);

#endif
