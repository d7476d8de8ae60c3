/* The node's steady production-like load: a timer sleeper (wakeup lateness ≈ run-queue wait after
 * a wakeup), a request/response pair over pipes (round-trip latency) and CPU-bound batch workers
 * (throughput). Child processes write samples into a shared ring the agent reads each interval. */
#ifndef SCHEDCP_NODE_LOAD_H
#define SCHEDCP_NODE_LOAD_H
#include <stdint.h>
#include <sys/types.h>

#define LOAD_RING 8192
#define LOAD_MAX_BATCH 8
#define LOAD_MAX_TASKS (3 + LOAD_MAX_BATCH)

struct load_sample {
	double t_ms;
	uint32_t us;
};

struct load_ring {
	uint64_t head; /* written with __atomic stores by one producer */
	struct load_sample s[LOAD_RING];
};

struct load_shared {
	struct load_ring wake, req;
	uint64_t batch_ops[LOAD_MAX_BATCH];
};

struct load {
	struct load_shared *sh;
	int batch;
	pid_t pids[LOAD_MAX_TASKS]; /* sleeper, server, client, batch... */
	int npids;
	int canary_pids; /* how many of pids[] a canary moves into SCHED_EXT */
};

int load_start(struct load *l, int batch_workers, int sleep_us, int request_every_us);
void load_stop(struct load *l);
/* Samples of `ring` with t_ms >= since, copied into out (at most max); returns the count. */
int load_window(const struct load_ring *ring, double since, uint32_t *out, int max);
uint64_t load_batch_total(const struct load *l);

#endif
