/* sched_ext's sysfs view (/sys/kernel/sched_ext/...) and a monotonic clock. */
#ifndef SCHEDCP_SYSFS_H
#define SCHEDCP_SYSFS_H
#include <stdbool.h>
#include <stddef.h>

struct jbuf;

double now_ms(void);
void read_sysfs(const char *name, char *buf, size_t len);
/* Appends "sched_ext": {state, ops, nr_rejected, enable_seq, switch_all} to an open JSON object. */
void add_sched_ext_state(struct jbuf *ev);
bool sched_ext_enabled(void);
/* Waits until /sys/kernel/sched_ext/state reads `want` (the kernel disables asynchronously). */
bool wait_state(const char *want, int timeout_ms);

#endif
