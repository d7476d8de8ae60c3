#define _GNU_SOURCE
#include "node_load.h"
#include "sysfs.h"
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void push(struct load_ring *r, double t, double us)
{
	uint64_t h = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	r->s[h % LOAD_RING] = (struct load_sample){ .t_ms = t, .us = us < 0 ? 0 : (uint32_t)us };
	__atomic_store_n(&r->head, h + 1, __ATOMIC_RELEASE);
}

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

static void spin_us(double us)
{
	double until = now_ms() + us / 1000.0;
	while (now_ms() < until)
		;
}

/* Children die with the agent and run under the normal class (the agent itself is SCHED_FIFO). */
static pid_t child(const char *comm)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, comm);
	struct sched_param sp = { 0 };
	sched_setscheduler(0, SCHED_OTHER, &sp);
	return 0;
}

int load_start(struct load *l, int batch_workers, int sleep_period_us, int request_every_us)
{
	memset(l, 0, sizeof(*l));
	l->sh = mmap(NULL, sizeof(*l->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (l->sh == MAP_FAILED)
		return -1;
	l->batch = batch_workers > LOAD_MAX_BATCH ? LOAD_MAX_BATCH : batch_workers;
	pid_t pid;
	if ((pid = child("load-sleeper")) == 0)
		for (;;) {
			double t0 = now_ms();
			sleep_us(sleep_period_us);
			double t1 = now_ms();
			push(&l->sh->wake, t1, (t1 - t0) * 1000.0 - sleep_period_us);
		}
	l->pids[l->npids++] = pid;
	int req[2], rep[2];
	if (pipe(req) || pipe(rep))
		return -1;
	if ((pid = child("load-server")) == 0) {
		char c;
		while (read(req[0], &c, 1) == 1) {
			spin_us(20); /* a little work per request */
			if (write(rep[1], &c, 1) != 1)
				break;
		}
		_exit(0);
	}
	l->pids[l->npids++] = pid;
	if ((pid = child("load-client")) == 0) {
		char c = 'r';
		for (;;) {
			sleep_us(request_every_us);
			double t0 = now_ms();
			if (write(req[1], &c, 1) != 1 || read(rep[0], &c, 1) != 1)
				_exit(1);
			double t1 = now_ms();
			push(&l->sh->req, t1, (t1 - t0) * 1000.0);
		}
	}
	l->pids[l->npids++] = pid;
	close(req[0]), close(req[1]), close(rep[0]), close(rep[1]);
	for (int i = 0; i < l->batch; i++) {
		if ((pid = child("load-batch")) == 0) {
			volatile uint64_t x = 0;
			for (;;) {
				for (int k = 0; k < 100000; k++)
					x += k;
				__atomic_add_fetch(&l->sh->batch_ops[i], 1, __ATOMIC_RELAXED);
			}
		}
		l->pids[l->npids++] = pid;
	}
	/* A canary moves the whole load: SCHED_EXT sits below the fair class in 6.12, so a load task
	 * left on CFS (a batch hog) would starve the canary's tasks and trip the policy for nothing. */
	l->canary_pids = l->npids;
	return 0;
}

void load_stop(struct load *l)
{
	for (int i = 0; i < l->npids; i++)
		kill(l->pids[i], SIGKILL);
	for (int i = 0; i < l->npids; i++)
		waitpid(l->pids[i], NULL, 0);
	l->npids = 0;
}

int load_window(const struct load_ring *ring, double since, uint32_t *out, int max)
{
	uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
	int n = 0;
	for (uint64_t i = head; i > 0 && head - i < LOAD_RING && n < max; i--) {
		const struct load_sample *s = &ring->s[(i - 1) % LOAD_RING];
		if (s->t_ms < since)
			break;
		out[n++] = s->us;
	}
	return n;
}

uint64_t load_batch_total(const struct load *l)
{
	uint64_t t = 0;
	for (int i = 0; i < l->batch; i++)
		t += __atomic_load_n(&l->sh->batch_ops[i], __ATOMIC_RELAXED);
	return t;
}
