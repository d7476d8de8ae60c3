/* The shared loader shell: argument parsing, tp_btf → classic-tracepoint fallback, a private tracefs
 * mount, BPF run-time stats for overhead, duration/SIGINT handling and JSON-lines output. */
#ifndef SCHEDCP_LOADER_COMMON_H
#define SCHEDCP_LOADER_COMMON_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>

enum attach_mode { ATTACH_TP_BTF = 0, ATTACH_TRACEPOINT = 1, ATTACH_OTHER = 2 };

struct probe_args {
	uint64_t duration_ms;
	uint64_t interval_ms;
	uint32_t pid;
	uint64_t cgroup_id;
	char comm[16];
	bool has_comm;
	uint64_t max_events;
	int forced_mode; /* -1 auto */
	uint32_t top;
};

struct probe_ops {
	const char *name;
	bool supports_task_filters;
	/* Has both tp_btf/ and tracepoint/ programs; the loader picks one set. */
	bool dual_attach;
	void *(*open)(void);
	struct bpf_object *(*object)(void *skel);
	void (*configure)(void *skel, const struct probe_args *args);
	int (*load)(void *skel);
	int (*attach)(void *skel, const struct probe_args *args);
	void (*destroy)(void *skel);
	/* Optional: poll a ring buffer for up to timeout_ms. */
	int (*poll)(void *skel, int timeout_ms);
	/* Print the body of "data": {...} (no braces). */
	void (*report)(void *skel, const struct probe_args *args);
};

extern volatile bool exiting;
extern uint64_t events_printed, events_dropped;

int probe_main(int argc, char **argv, const struct probe_ops *ops);
void json_str(FILE *f, const char *s);
uint64_t now_ns(void);
void quiet_libbpf(void); /* libbpf warnings only with SCHEDCP_BPF_DEBUG=1 */
void print_hist(int fd, const char *unit);
size_t dump_map(int fd, size_t key_size, size_t value_offset, size_t rec_size, void **out);
#define DUMP_MAP(fd, type, out) dump_map((fd), sizeof(((type *)0)->key), offsetof(type, st), sizeof(type), (void **)(out))
#define SET_COMMON_FILTERS(skel, a) do { \
	(skel)->rodata->targ_tgid = (a)->pid; \
	(skel)->rodata->self_tgid = (uint32_t)getpid(); \
	(skel)->rodata->targ_cgid = (a)->cgroup_id; \
	(skel)->rodata->filter_comm = (a)->has_comm; \
	for (int i_ = 0; i_ < 16; i_++) (skel)->rodata->targ_comm[i_] = (a)->comm[i_]; \
} while (0)
#endif
