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
	int sample_mode;       /* SAMPLE_AUTO, SAMPLE_OFF or SAMPLE_FIXED */
	uint32_t sample_every; /* SAMPLE_FIXED: 1 in this many (a power of two) */
	uint64_t sample_above; /* SAMPLE_AUTO: eligible events/s above which sampling starts */
	bool latency;          /* syscalls: enter/exit latency instead of counting only */
	bool exact_task_max;   /* runqlat: per-task rows counted per event (exact max) even where kernel counters would do */
};

enum sample_mode { SAMPLE_AUTO = 0, SAMPLE_OFF = 1, SAMPLE_FIXED = 2 };
#define SAMPLE_MAX_EVERY 1024

/* What the loader decided about sampling, for the result and the probe's scaling. */
struct sampling_state {
	bool on;
	uint32_t every;
	double from_ms; /* since attach; events before this were all recorded */
};
extern struct sampling_state sampling;

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
	/* Optional (sampling-capable probes): eligible events so far, and the .bss sample_mask. */
	uint64_t (*seen)(void *skel);
	volatile uint32_t *(*sample_mask)(void *skel);
	/* Optional: false when this configuration has nothing to sample (sampling then stays off). */
	bool (*samples)(void *skel);
};

extern volatile bool exiting;
extern uint64_t events_printed, events_dropped;

int probe_main(int argc, char **argv, const struct probe_ops *ops);
void json_str(FILE *f, const char *s);
uint64_t now_ns(void);
void quiet_libbpf(void); /* libbpf warnings only with SCHEDCP_BPF_DEBUG=1 */
void print_hist(int fd, const char *unit);
/* A log2 histogram from summed slots, each count multiplied by scale (1 when not sampled). */
void print_hist_slots(const unsigned long long *slots, const char *unit, double scale);
/* Reads key of a per-CPU map into out (one value_size record per possible CPU); returns the CPU count or -1. */
int percpu_lookup(int fd, uint32_t key, void *out, size_t value_size);
int possible_cpus(void);
size_t dump_map(int fd, size_t key_size, size_t value_offset, size_t rec_size, void **out);
/* Every value of a hash map (keys of key_size bytes, at most 64), value_size bytes each. */
size_t dump_values(int fd, size_t key_size, size_t value_size, void **out);
/* Slots of a direct-mapped per-task row array (common.bpf.h ROW_LOOKUP): pid_max rounded up to a
 * power of two, at most ROW_SLOTS_MAX. */
uint32_t row_slots(void);
/* Every row in use (first 8 bytes, the tid, non-zero) of the mmapable array of `slots` rows plus every
 * row in the hash (rows exited, colliding or from the classic fallback); rec_size bytes each. */
size_t collect_rows(int array_fd, uint32_t slots, int hash_fd, size_t rec_size, void **out);
/* One pass of a task iterator link: the rec_size records it writes appended to *rows (*n of them);
 * -1 on a read error, the records read until then kept. */
int iter_records(struct bpf_link *link, size_t rec_size, void **rows, size_t *n);
/* Kernel-counter rows at the end of a window (runqlat, cswitch): the iterator's live rows, then the
 * map of exited tasks' rows, dumped after the pass so an exit during it is not lost; a task that
 * exited after the pass visited it has both rows, and its exited (final) one replaces the other.
 * Records start with a u64 tid and hold a u64 start_time at start_off. Returns the row count. */
size_t final_rows(struct bpf_link *iter, int exited_fd, size_t key_size, size_t rec_size, size_t start_off, void **out);
#define DUMP_MAP(fd, type, out) dump_map((fd), sizeof(((type *)0)->key), offsetof(type, st), sizeof(type), (void **)(out))
#define SET_COMMON_FILTERS(skel, a) do { \
	(skel)->rodata->targ_tgid = (a)->pid; \
	(skel)->rodata->self_tgid = (uint32_t)getpid(); \
	(skel)->rodata->targ_cgid = (a)->cgroup_id; \
	(skel)->rodata->filter_comm = (a)->has_comm; \
	for (int i_ = 0; i_ < 16; i_++) (skel)->rodata->targ_comm[i_] = (a)->comm[i_]; \
} while (0)
#endif
