/* schedcp-probe: small guest workloads whose numbers the host parses from one JSON line.
 *
 *   schedcp-probe wake [--threads N] [--iterations M] [--sleep-us U] [--hogs H] [--max-ms T]
 *       Each thread sleeps U µs M times and records how late it woke (scheduler wakeup latency).
 *       --hogs H: H CPU-bound processes spin beside the sleepers for the whole run, so a wakeup
 *       must win a CPU from them (what a request/response thread sees next to batch work).
 *       --max-ms T: stop each sleeper after T ms even if it has not done M iterations (a policy
 *       that keeps sleepers waiting behind the hogs must not stretch the run without bound).
 *   schedcp-probe forkexec [--count N] [--parallel P]
 *       Fork/exec storm: N children exec'ing `busybox true`, at most P alive at once.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long opt(int argc, char **argv, const char *name, long dflt)
{
	for (int i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return atol(argv[i + 1]);
	return dflt;
}

struct wake_thread {
	pthread_t tid;
	long iterations, sleep_us, done;
	long long deadline_ns;
	long long *lateness_ns;
};

static void *wake_loop(void *arg)
{
	struct wake_thread *t = arg;
	for (long i = 0; i < t->iterations && now_ns() < t->deadline_ns; i++, t->done++) {
		long long start = now_ns();
		struct timespec d = { .tv_sec = t->sleep_us / 1000000, .tv_nsec = (t->sleep_us % 1000000) * 1000 };
		clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL);
		long long late = now_ns() - start - t->sleep_us * 1000LL;
		t->lateness_ns[i] = late < 0 ? 0 : late;
	}
	return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static int wake(int argc, char **argv)
{
	long threads = opt(argc, argv, "--threads", 4), iterations = opt(argc, argv, "--iterations", 200);
	long sleep_us = opt(argc, argv, "--sleep-us", 1000);
	long hogs = opt(argc, argv, "--hogs", 0), max_ms = opt(argc, argv, "--max-ms", 0);
	if (threads < 1 || threads > 256 || iterations < 1 || iterations > 100000 || sleep_us < 1 || hogs < 0 || hogs > 256 ||
	    max_ms < 0) {
		fprintf(stderr, "schedcp-probe wake: threads 1..256, iterations 1..100000, sleep-us >= 1, hogs 0..256, max-ms >= 0\n");
		return 2;
	}
	pid_t *hog = calloc((size_t)hogs + 1, sizeof(*hog));
	for (long i = 0; i < hogs; i++) {
		hog[i] = fork();
		if (hog[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL); /* a probe killed at its timeout takes its hogs along */
			volatile unsigned long spin = 0;
			for (;;)
				spin++;
		}
	}
	long long *all = calloc((size_t)(threads * iterations), sizeof(*all));
	struct wake_thread *ts = calloc((size_t)threads, sizeof(*ts));
	long long start = now_ns();
	long long deadline = max_ms ? start + max_ms * 1000000LL : (long long)9e18;
	for (long i = 0; i < threads; i++) {
		ts[i] = (struct wake_thread){ .iterations = iterations, .sleep_us = sleep_us, .deadline_ns = deadline, .lateness_ns = all + i * iterations };
		pthread_create(&ts[i].tid, NULL, wake_loop, &ts[i]);
	}
	for (long i = 0; i < threads; i++)
		pthread_join(ts[i].tid, NULL);
	long long total_ns = now_ns() - start;
	for (long i = 0; i < hogs; i++)
		if (hog[i] > 0)
			kill(hog[i], SIGKILL);
	for (long i = 0; i < hogs; i++)
		if (hog[i] > 0)
			waitpid(hog[i], NULL, 0);
	/* Pack the samples each sleeper took (a deadline may have cut some short). */
	long n = 0;
	for (long i = 0; i < threads; i++)
		for (long j = 0; j < ts[i].done; j++)
			all[n++] = ts[i].lateness_ns[j];
	if (n == 0) {
		fprintf(stderr, "schedcp-probe wake: no wakeup completed within --max-ms %ld\n", max_ms);
		return 1;
	}
	qsort(all, (size_t)n, sizeof(*all), cmp_ll);
	long double sum = 0;
	for (long i = 0; i < n; i++)
		sum += all[i];
	printf("{\"probe\":\"wake\",\"samples\":%ld,\"hogs\":%ld,\"mean_us\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,"
	       "\"p99_us\":%.1f,\"max_us\":%.1f,\"duration_ms\":%.1f}\n",
	       n, hogs, (double)(sum / n) / 1e3, all[n / 2] / 1e3, all[n * 9 / 10] / 1e3, all[n * 99 / 100] / 1e3,
	       all[n - 1] / 1e3, total_ns / 1e6);
	return 0;
}

static int forkexec(int argc, char **argv)
{
	long count = opt(argc, argv, "--count", 200), parallel = opt(argc, argv, "--parallel", 4);
	if (count < 1 || count > 1000000 || parallel < 1 || parallel > 1024) {
		fprintf(stderr, "schedcp-probe forkexec: count 1..1000000, parallel 1..1024\n");
		return 2;
	}
	long started = 0, finished = 0, failed = 0, alive = 0;
	long long start = now_ns();
	while (finished < count) {
		while (alive < parallel && started < count) {
			pid_t pid = fork();
			if (pid == 0) {
				execl("/bin/busybox", "true", (char *)NULL);
				_exit(127);
			}
			if (pid < 0)
				break;
			started++;
			alive++;
		}
		int status;
		if (wait(&status) < 0)
			break;
		alive--;
		finished++;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	double ms = (now_ns() - start) / 1e6;
	printf("{\"probe\":\"forkexec\",\"spawned\":%ld,\"failed\":%ld,\"duration_ms\":%.1f,\"per_sec\":%.1f}\n",
	       finished, failed, ms, finished / (ms / 1e3));
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "wake"))
		return wake(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "forkexec"))
		return forkexec(argc, argv);
	fprintf(stderr, "usage: schedcp-probe wake [--threads N] [--iterations M] [--sleep-us U] [--hogs H] [--max-ms T] | "
			"forkexec [--count N] [--parallel P]\n");
	return 2;
}
