/* schedcp-node: the node agent's shared state (see sandbox-vm/README.md, "Node agent protocol"). */
#ifndef SCHEDCP_NODE_H
#define SCHEDCP_NODE_H
#include "bpf_policy.h"
#include "node_load.h"
#include <stdbool.h>

#define NODE_PROTOCOL 1
#define NODE_VERSION "1.0"
#define MAX_TRIPPED 32

struct jbuf;

struct slot {
	bool active;
	struct policy p;
	char name[64], sha[65], mode[8], deployment[64];
	bool known_good_role; /* running as the node's known-good policy, not as a deployment */
	double attached_ms;
	long enable_seq;
};

struct gates {
	double stall_ms, deadman_ms, soft_wake_p99_us, soft_req_p99_us;
	int soft_checks;
};

struct node {
	int chan;          /* current channel fd, -1 when no controller is connected */
	struct load load;
	int interval_ms;
	double started_ms, last_contact_ms;
	struct slot cur;
	struct gates gates;
	int bad_checks;
	char kg_name[64], kg_sha[65];
	char tripped[MAX_TRIPPED][65];
	int ntripped;
	int kmsg;
	/* stall tracking per load task */
	unsigned long long ticks[LOAD_MAX_TASKS];
	double progress_ms[LOAD_MAX_TASKS];
	/* sampling */
	long seq;
	double last_sample_ms, last_cpu_us;
	unsigned long long last_batch;
};

extern struct node N;

void emit(struct jbuf *b);
void add_status(struct jbuf *b);
/* Loads, attaches and confirms a policy (state enabled, expected ops, new enable_seq). */
int slot_attach(const char *name, const char *sha, bool partial, char *err, size_t errlen);
/* Detaches the current policy and waits for `disabled`; returns false when the kernel did not get there. */
bool slot_detach(double *ms);
bool is_tripped(const char *sha);
void untrip(const char *sha);
/* Loads the known-good policy ahead of a rollback (or drops a stale standby). */
void standby_prepare(void);
/* Hard or soft trip: evidence event, then rollback to the known-good policy or the default. */
struct trip_info {
	int exit_kind;
	long long exit_code;
	const char *exit_reason, *message, *kernel_log;
	int pid;
	const char *task;
	double not_run_ms;
	const char *kpi;
	double value, threshold;
	int consecutive;
};
void trip(const char *kind, const char *reason, double cause_ms, const struct trip_info *ti);
/* Operator rollback (not a trip: it does not count towards quarantine). */
void rollback(const char *why, const char *kind);
void node_check_eject(void);
void sample(void);

#endif
