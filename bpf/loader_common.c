#define _GNU_SOURCE
#include "loader_common.h"
#include "tracefs.h"
#include "probe_types.h"
#include <errno.h>
#include <getopt.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <sys/mman.h>

volatile bool exiting;
uint64_t events_printed, events_dropped;
struct sampling_state sampling;

static void on_signal(int sig) { (void)sig; exiting = true; }

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f) fprintf(f, "\\u%04x", c);
		else fputc(c, f);
	}
	fputc('"', f);
}

static void fail(const char *probe, const char *msg)
{
	printf("{\"type\":\"error\",\"probe\":");
	json_str(stdout, probe);
	printf(",\"message\":");
	json_str(stdout, msg);
	printf("}\n");
	fflush(stdout);
}

static int libbpf_quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("SCHEDCP_BPF_DEBUG")) return vfprintf(stderr, fmt, ap);
	return 0;
}

void quiet_libbpf(void) { libbpf_set_print(libbpf_quiet_print); }

static void select_programs(struct bpf_object *obj, int mode)
{
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		if (strncmp(sec, "tp_btf/", 7) == 0) bpf_program__set_autoload(prog, mode == ATTACH_TP_BTF);
		else if (strncmp(sec, "tracepoint/", 11) == 0) bpf_program__set_autoload(prog, mode == ATTACH_TRACEPOINT);
	}
}

static void report_overhead(struct bpf_object *obj, double elapsed_s)
{
	struct bpf_program *prog;
	uint64_t run_ns = 0, run_cnt = 0;
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		uint32_t len = sizeof(info);
		int fd = bpf_program__fd(prog);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0) continue;
		run_ns += info.run_time_ns;
		run_cnt += info.run_cnt;
	}
	printf("\"overhead\":{\"run_time_ns\":%llu,\"run_cnt\":%llu,\"ns_per_event\":%.1f,\"events_per_s\":%.1f}",
	       (unsigned long long)run_ns, (unsigned long long)run_cnt,
	       run_cnt ? (double)run_ns / run_cnt : 0.0, elapsed_s > 0 ? run_cnt / elapsed_s : 0.0);
}

static void usage(const char *name)
{
	fprintf(stderr, "usage: %s --duration-ms N [--pid TGID] [--comm NAME] [--cgroup-id ID] [--max-events N] "
			"[--interval-ms N] [--top N] [--attach auto|tp_btf|tracepoint] [--sample auto|off|N] "
			"[--sample-above EVENTS_PER_S] [--latency] [--exact-task-max]\n", name);
}

int probe_main(int argc, char **argv, const struct probe_ops *ops)
{
	struct probe_args a = { .duration_ms = 0, .interval_ms = 1000, .max_events = 1000, .forced_mode = -1, .top = 20,
				.sample_mode = SAMPLE_AUTO, .sample_above = 250000 };
	static const struct option opts[] = {
		{ "duration-ms", required_argument, 0, 'd' }, { "pid", required_argument, 0, 'p' },
		{ "comm", required_argument, 0, 'c' }, { "cgroup-id", required_argument, 0, 'g' },
		{ "max-events", required_argument, 0, 'm' }, { "interval-ms", required_argument, 0, 'i' },
		{ "attach", required_argument, 0, 'a' }, { "top", required_argument, 0, 't' },
		{ "sample", required_argument, 0, 's' }, { "sample-above", required_argument, 0, 'S' },
		{ "latency", no_argument, 0, 'L' }, { "exact-task-max", no_argument, 0, 'X' }, { 0, 0, 0, 0 },
	};
	int c;
	char why[512] = "", first_failure[512] = "";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a.duration_ms = strtoull(optarg, NULL, 10); break;
		case 'p': a.pid = strtoul(optarg, NULL, 10); break;
		case 'c': snprintf(a.comm, sizeof(a.comm), "%s", optarg); a.has_comm = true; break;
		case 'g': a.cgroup_id = strtoull(optarg, NULL, 10); break;
		case 'm': a.max_events = strtoull(optarg, NULL, 10); break;
		case 'i': a.interval_ms = strtoull(optarg, NULL, 10); break;
		case 't': a.top = strtoul(optarg, NULL, 10); break;
		case 'a':
			if (!strcmp(optarg, "tp_btf")) a.forced_mode = ATTACH_TP_BTF;
			else if (!strcmp(optarg, "tracepoint")) a.forced_mode = ATTACH_TRACEPOINT;
			else if (strcmp(optarg, "auto")) { usage(argv[0]); return 2; }
			break;
		case 's':
			if (!strcmp(optarg, "auto")) a.sample_mode = SAMPLE_AUTO;
			else if (!strcmp(optarg, "off")) a.sample_mode = SAMPLE_OFF;
			else {
				a.sample_mode = SAMPLE_FIXED;
				a.sample_every = strtoul(optarg, NULL, 10);
				if (a.sample_every < 2 || a.sample_every > SAMPLE_MAX_EVERY || (a.sample_every & (a.sample_every - 1))) {
					fprintf(stderr, "--sample %s: a power of two 2..%d, auto or off\n", optarg, SAMPLE_MAX_EVERY);
					return 2;
				}
			}
			break;
		case 'S': a.sample_above = strtoull(optarg, NULL, 10); break;
		case 'L': a.latency = true; break;
		case 'X': a.exact_task_max = true; break;
		default: usage(argv[0]); return 2;
		}
	}
	if (a.duration_ms == 0 || a.interval_ms == 0) { usage(argv[0]); return 2; }
	if (!ops->supports_task_filters && (a.pid || a.cgroup_id || a.has_comm)) {
		fail(ops->name, "this probe observes device completions in interrupt context and cannot filter by pid, comm or cgroup");
		return 2;
	}
	quiet_libbpf();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* Per-program run time/count while this fd is open; closing it restores the previous setting. */
	int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	uint64_t t0 = now_ns();
	void *skel = NULL;
	int mode = ATTACH_OTHER;
	int first = ops->dual_attach ? (a.forced_mode >= 0 ? a.forced_mode : ATTACH_TP_BTF) : ATTACH_OTHER;
	int last = ops->dual_attach ? (a.forced_mode >= 0 ? a.forced_mode : ATTACH_TRACEPOINT) : ATTACH_OTHER;
	for (int m = first; m <= last; m++) {
		if (m == ATTACH_TRACEPOINT && a.cgroup_id) {
			snprintf(why, sizeof(why), "classic tracepoints give no task pointer, so a cgroup filter needs tp_btf");
			if (!first_failure[0]) snprintf(first_failure, sizeof(first_failure), "%s", why);
			continue;
		}
		if (m == ATTACH_TRACEPOINT && private_tracefs(why, sizeof(why)) != 0) {
			if (!first_failure[0]) snprintf(first_failure, sizeof(first_failure), "%s", why);
			continue;
		}
		skel = ops->open();
		if (!skel) { snprintf(why, sizeof(why), "open failed: %s", strerror(errno)); skel = NULL; continue; }
		if (ops->dual_attach) select_programs(ops->object(skel), m);
		ops->configure(skel, &a);
		int err = ops->load(skel);
		if (!err && a.sample_mode == SAMPLE_FIXED && ops->sample_mask && (!ops->samples || ops->samples(skel))) {
			*ops->sample_mask(skel) = a.sample_every - 1;
			sampling = (struct sampling_state){ .on = true, .every = a.sample_every, .from_ms = 0 };
		}
		if (err) snprintf(why, sizeof(why), "%s load failed: %s", m == ATTACH_TP_BTF ? "tp_btf" : m == ATTACH_TRACEPOINT ? "tracepoint" : "program", strerror(-err));
		else if ((err = ops->attach(skel, &a)) != 0)
			snprintf(why, sizeof(why), "%s attach failed: %s", m == ATTACH_TP_BTF ? "tp_btf" : m == ATTACH_TRACEPOINT ? "tracepoint" : "program", strerror(err < 0 ? -err : err));
		if (!err) { mode = m; break; }
		if (!first_failure[0]) snprintf(first_failure, sizeof(first_failure), "%s", why);
		ops->destroy(skel);
		skel = NULL;
	}
	if (!skel) {
		char msg[1100];
		snprintf(msg, sizeof(msg), "could not attach with tp_btf or classic tracepoints: %s%s%s", first_failure,
			 strcmp(first_failure, why) ? "; then " : "", strcmp(first_failure, why) ? why : "");
		fail(ops->name, msg);
		if (stats_fd >= 0) close(stats_fd);
		return 3;
	}
	uint64_t t_attached = now_ns();
	printf("{\"type\":\"attached\",\"probe\":\"%s\",\"attach\":\"%s\",\"attach_ms\":%.2f,\"bpf_stats\":%s",
	       ops->name, mode == ATTACH_TP_BTF ? "tp_btf" : mode == ATTACH_TRACEPOINT ? "tracepoint" : "perf_event",
	       (t_attached - t0) / 1e6, stats_fd >= 0 ? "true" : "false");
	if (mode == ATTACH_TRACEPOINT && first_failure[0]) { printf(",\"fallback_reason\":"); json_str(stdout, first_failure); }
	/* Kernel program ids, so a caller can verify nothing stays loaded after the loader is gone. */
	printf(",\"prog_ids\":[");
	struct bpf_program *prog;
	bool first_id = true;
	bpf_object__for_each_program(prog, ops->object(skel)) {
		struct bpf_prog_info info = {};
		uint32_t len = sizeof(info);
		int fd = bpf_program__fd(prog);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0) continue;
		printf("%s%u", first_id ? "" : ",", info.id);
		first_id = false;
	}
	printf("]}\n");
	fflush(stdout);

	uint64_t end = t_attached + a.duration_ms * 1000000ull, next_tick = t_attached + a.interval_ms * 1000000ull;
	bool auto_sample = a.sample_mode == SAMPLE_AUTO && ops->seen && ops->sample_mask && a.sample_above > 0 && (!ops->samples || ops->samples(skel));
	uint64_t last_seen = 0, last_seen_at = t_attached;
	while (!exiting) {
		uint64_t now = now_ns();
		if (now >= end) break;
		/* Above the threshold, record 1 in N (N the power of two that brings the rate under it). */
		if (auto_sample && !sampling.on && now - last_seen_at >= 50000000ull) {
			uint64_t seen = ops->seen(skel);
			double rate = (seen - last_seen) * 1e9 / (double)(now - last_seen_at);
			if (rate > (double)a.sample_above) {
				uint32_t every = 2;
				while (every < SAMPLE_MAX_EVERY && rate / every > (double)a.sample_above) every <<= 1;
				*ops->sample_mask(skel) = every - 1;
				sampling = (struct sampling_state){ .on = true, .every = every, .from_ms = (now - t_attached) / 1e6 };
			}
			last_seen = seen;
			last_seen_at = now;
		}
		if (now >= next_tick) {
			printf("{\"type\":\"tick\",\"elapsed_ms\":%llu,\"duration_ms\":%llu}\n",
			       (unsigned long long)((now - t_attached) / 1000000), (unsigned long long)a.duration_ms);
			fflush(stdout);
			next_tick += a.interval_ms * 1000000ull;
		}
		/* Without a ring buffer or sampling to watch, sleep to the next tick: few syscalls of our own. */
		uint64_t cap = ops->poll || auto_sample ? 100000000ull : next_tick > now ? next_tick - now : 1000000ull;
		uint64_t wait = end - now < cap ? end - now : cap;
		if (auto_sample && !sampling.on && wait > 50000000ull) wait = 50000000ull;
		if (ops->poll) ops->poll(skel, (int)(wait / 1000000) + 1);
		else usleep(wait / 1000);
	}
	if (ops->poll) ops->poll(skel, 0);
	double elapsed_s = (now_ns() - t_attached) / 1e9;
	printf("{\"type\":\"result\",\"probe\":\"%s\",\"attach\":\"%s\",\"duration_ms\":%.1f,\"interrupted\":%s,\"events_printed\":%llu,\"events_dropped\":%llu,\"data\":{",
	       ops->name, mode == ATTACH_TP_BTF ? "tp_btf" : mode == ATTACH_TRACEPOINT ? "tracepoint" : "perf_event",
	       elapsed_s * 1000, exiting ? "true" : "false", (unsigned long long)events_printed, (unsigned long long)events_dropped);
	ops->report(skel, &a);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("},\"max_rss_kb\":%ld,", ru.ru_maxrss);
	if (ops->sample_mask) {
		printf("\"sampling\":{\"mode\":\"%s\",\"sampled\":%s,\"sample_every\":%u,\"from_ms\":%.1f,\"threshold_events_per_s\":%llu},",
		       a.sample_mode == SAMPLE_AUTO ? "auto" : a.sample_mode == SAMPLE_OFF ? "off" : "fixed", sampling.on ? "true" : "false",
		       sampling.on ? sampling.every : 1, sampling.on ? sampling.from_ms : 0.0,
		       a.sample_mode == SAMPLE_AUTO ? (unsigned long long)a.sample_above : 0ull);
	}
	report_overhead(ops->object(skel), elapsed_s);
	printf("}\n");
	fflush(stdout);
	ops->destroy(skel);
	if (stats_fd >= 0) close(stats_fd);
	return 0;
}

void print_hist(int fd, const char *unit)
{
	printf("\"histogram\":{\"unit\":\"%s\",\"buckets\":[", unit);
	bool first = true;
	for (uint32_t slot = 0; slot < 32; slot++) {
		uint64_t v = 0;
		if (bpf_map_lookup_elem(fd, &slot, &v) != 0 || v == 0) continue;
		uint64_t lo = slot == 0 ? 0 : 1ull << slot, hi = (1ull << (slot + 1)) - 1;
		printf("%s{\"low\":%llu,\"high\":%llu,\"count\":%llu}", first ? "" : ",", (unsigned long long)lo,
		       (unsigned long long)hi, (unsigned long long)v);
		first = false;
	}
	printf("]}");
}

void print_hist_slots(const unsigned long long *slots, const char *unit, double scale)
{
	printf("\"histogram\":{\"unit\":\"%s\",\"buckets\":[", unit);
	bool first = true;
	for (uint32_t slot = 0; slot < 32; slot++) {
		if (slots[slot] == 0) continue;
		uint64_t lo = slot == 0 ? 0 : 1ull << slot, hi = (1ull << (slot + 1)) - 1;
		printf("%s{\"low\":%llu,\"high\":%llu,\"count\":%llu}", first ? "" : ",", (unsigned long long)lo,
		       (unsigned long long)hi, (unsigned long long)(slots[slot] * scale + 0.5));
		first = false;
	}
	printf("]}");
}

int possible_cpus(void)
{
	static int n;
	if (!n) n = libbpf_num_possible_cpus();
	return n;
}

int percpu_lookup(int fd, uint32_t key, void *out, size_t value_size)
{
	(void)value_size; /* callers size out as possible_cpus() * round_up(value_size, 8) */
	return bpf_map_lookup_elem(fd, &key, out) == 0 ? possible_cpus() : -1;
}

/* Read every (key, value) of a hash map into an array of records {key; value at value_offset}. */
size_t dump_map(int fd, size_t key_size, size_t value_offset, size_t rec, void **out)
{
	size_t cap = 256, n = 0;
	char *buf = malloc(cap * rec), key[64], next[64];
	void *prev = NULL;
	while (buf && bpf_map_get_next_key(fd, prev, next) == 0) {
		if (n == cap) { char *nb = realloc(buf, (cap *= 2) * rec); if (!nb) break; buf = nb; }
		if (bpf_map_lookup_elem(fd, next, buf + n * rec + value_offset) == 0) {
			memcpy(buf + n * rec, next, key_size);
			n++;
		}
		memcpy(key, next, key_size);
		prev = key;
	}
	*out = buf;
	return n;
}

uint32_t row_slots(void)
{
	unsigned long pid_max = 32768;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	if (f) { if (fscanf(f, "%lu", &pid_max) != 1) pid_max = 32768; fclose(f); }
	uint32_t slots = 1024;
	while (slots < pid_max && slots < ROW_SLOTS_MAX) slots <<= 1;
	return slots;
}

size_t dump_values(int fd, size_t key_size, size_t rec, void **out)
{
	size_t cap = 256, n = 0;
	char *buf = malloc(cap * rec), key[64], next[64];
	void *prev = NULL;
	while (buf && key_size <= sizeof(key) && bpf_map_get_next_key(fd, prev, next) == 0) {
		if (n == cap) { char *nb = realloc(buf, (cap *= 2) * rec); if (!nb) break; buf = nb; }
		if (bpf_map_lookup_elem(fd, next, buf + n * rec) == 0) n++;
		memcpy(key, next, key_size);
		prev = key;
	}
	*out = buf;
	return n;
}

int iter_records(struct bpf_link *link, size_t rec_size, void **rows, size_t *n)
{
	int fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) return fd;
	size_t have = *n * rec_size, cap = have + 64 * 1024;
	char *buf = realloc(*rows, cap);
	ssize_t got = 0;
	/* seq_file may split a record across reads: the bytes stay contiguous, counted whole at the end */
	while (buf && (got = read(fd, buf + have, cap - have)) > 0) {
		have += got;
		if (cap - have < 4096) { char *nb = realloc(buf, cap *= 2); if (!nb) break; buf = nb; }
	}
	close(fd);
	if (buf) { *rows = buf; *n = have / rec_size; }
	return got < 0 ? -1 : 0;
}

static size_t row_start_off; /* final_rows' sort key; the loader is single-threaded */
static int by_task(const void *x, const void *y)
{
	uint64_t a, b, sa, sb;
	memcpy(&a, x, 8), memcpy(&b, y, 8);
	memcpy(&sa, (const char *)x + row_start_off, 8), memcpy(&sb, (const char *)y + row_start_off, 8);
	return a != b ? (a < b ? -1 : 1) : sa != sb ? (sa < sb ? -1 : 1) : 0;
}

size_t final_rows(struct bpf_link *iter, int exited_fd, size_t key_size, size_t rec, size_t start_off, void **out)
{
	char *live = NULL, *gone = NULL;
	size_t n = 0;
	iter_records(iter, rec, (void **)&live, &n);
	size_t m = dump_values(exited_fd, key_size, rec, (void **)&gone);
	row_start_off = start_off;
	if (live) qsort(live, n, rec, by_task);
	char *all = realloc(live, (n + m) * rec + 1);
	if (!all) { free(gone); *out = live; return live ? n : 0; }
	size_t total = n;
	for (size_t i = 0; gone && i < m; i++) {
		char *same = n ? bsearch(gone + i * rec, all, n, rec, by_task) : NULL;
		memcpy(same ? same : all + total++ * rec, gone + i * rec, rec);
	}
	free(gone);
	*out = all;
	return total;
}

size_t collect_rows(int array_fd, uint32_t slots, int hash_fd, size_t rec, void **out)
{
	char *buf;
	size_t n = dump_values(hash_fd, sizeof(uint32_t), rec, (void **)&buf), cap = n, len = (size_t)slots * rec;
	const char *rows = slots > 1 && buf ? mmap(NULL, len, PROT_READ, MAP_SHARED, array_fd, 0) : MAP_FAILED;
	for (uint32_t i = 0; rows != MAP_FAILED && i < slots; i++) {
		if (!*(const uint64_t *)(rows + (size_t)i * rec)) continue;
		if (n == cap) { char *nb = realloc(buf, (cap = cap * 2 + 256) * rec); if (!nb) break; buf = nb; }
		memcpy(buf + n++ * rec, rows + (size_t)i * rec, rec);
	}
	if (rows != MAP_FAILED) munmap((void *)rows, len);
	*out = buf;
	return n;
}
