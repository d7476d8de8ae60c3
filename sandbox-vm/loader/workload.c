#define _GNU_SOURCE
#include "workload.h"
#include "bpf_policy.h"
#include "json.h"
#include "sysfs.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCHED_EXT 7
#define MAX_ARGS 64
#define OUTPUT_TAIL 4096
#define POLL_MS 50

struct workload {
	char name[64];
	int timeout_s;
	char *argv[MAX_ARGS + 1];
};

void check_eject(struct watch *w, const char *during)
{
	if (!w->policy || w->ejected)
		return;
	struct uei_snapshot u;
	bool has = policy_read_uei(w->policy, &u);
	free(u.dump);
	if ((has && u.kind != 0) || !sched_ext_enabled()) {
		w->ejected = true;
		w->ejected_after_ms = now_ms() - w->attached_at;
		snprintf(w->during, sizeof(w->during), "%s", during ? during : "");
	}
}

static int parse_workloads(const char *path, struct workload *out, int max)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int n = 0;
	while (n < max && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		/* name TAB timeout_s TAB argv0 TAB argv1 ... */
		struct workload *w = &out[n];
		memset(w, 0, sizeof(*w));
		char *save, *tok = strtok_r(line, "\t", &save);
		snprintf(w->name, sizeof(w->name), "%s", tok ? tok : "");
		tok = strtok_r(NULL, "\t", &save);
		w->timeout_s = tok ? atoi(tok) : 60;
		int argc = 0;
		while (argc < MAX_ARGS && (tok = strtok_r(NULL, "\t", &save)))
			w->argv[argc++] = strdup(tok);
		if (argc > 0)
			n++;
	}
	free(line);
	fclose(f);
	return n;
}

static void run_workload(const struct workload *wl, struct watch *w, const char *policy, bool partial)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return;
	double start = now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		/* In partial-switch mode only SCHED_EXT tasks run on the policy; put the workload there. */
		struct sched_param sp = { 0 };
		if (partial && sched_setscheduler(0, SCHED_EXT, &sp) != 0)
			fprintf(stderr, "schedcp-loader: sched_setscheduler(SCHED_EXT): %s\n", strerror(errno));
		execvp(wl->argv[0], wl->argv);
		fprintf(stderr, "schedcp-loader: cannot exec %s: %s\n", wl->argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	char tail[OUTPUT_TAIL + 1];
	size_t tail_len = 0;
	bool timed_out = false, exited = false;
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	while (!exited) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		if (poll(&pfd, 1, POLL_MS) > 0) {
			char chunk[1024];
			ssize_t n = read(pipefd[0], chunk, sizeof(chunk));
			if (n > 0) {
				/* Keep the last OUTPUT_TAIL bytes: summaries (hackbench "Time:", stress-ng metrics) come last. */
				if (tail_len + (size_t)n > OUTPUT_TAIL) {
					size_t drop = tail_len + (size_t)n - OUTPUT_TAIL;
					drop = drop > tail_len ? tail_len : drop;
					memmove(tail, tail + drop, tail_len - drop);
					tail_len -= drop;
				}
				size_t take = (size_t)n > OUTPUT_TAIL ? OUTPUT_TAIL : (size_t)n;
				memcpy(tail + tail_len, chunk + n - take, take);
				tail_len += take;
			}
		}
		if (wait4(pid, &status, WNOHANG, &ru) == pid)
			exited = true;
		else if (!timed_out && now_ms() - start > wl->timeout_s * 1000.0) {
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
		check_eject(w, wl->name);
	}
	double wall = now_ms() - start;
	/* Drain what the workload wrote just before exiting. */
	for (ssize_t n; tail_len < OUTPUT_TAIL && (n = read(pipefd[0], tail + tail_len, OUTPUT_TAIL - tail_len)) > 0;)
		tail_len += (size_t)n;
	close(pipefd[0]);
	kill(-pid, SIGKILL); /* reap stragglers the workload left in its process group */
	tail[tail_len] = '\0';

	struct jbuf ev;
	jb_init(&ev);
	jb_obj_open(&ev, NULL);
	jb_str(&ev, "type", "workload");
	jb_str(&ev, "policy", policy);
	jb_str(&ev, "name", wl->name);
	jb_arr_open(&ev, "argv");
	for (int i = 0; wl->argv[i]; i++)
		jb_str(&ev, NULL, wl->argv[i]);
	jb_arr_close(&ev);
	if (WIFEXITED(status))
		jb_int(&ev, "exit_code", WEXITSTATUS(status));
	else
		jb_null(&ev, "exit_code");
	if (WIFSIGNALED(status))
		jb_int(&ev, "signal", WTERMSIG(status));
	else
		jb_null(&ev, "signal");
	jb_bool(&ev, "timed_out", timed_out);
	jb_num(&ev, "wall_ms", wall);
	jb_num(&ev, "user_ms", ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3);
	jb_num(&ev, "sys_ms", ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3);
	jb_int(&ev, "voluntary_ctxsw", ru.ru_nvcsw);
	jb_int(&ev, "involuntary_ctxsw", ru.ru_nivcsw);
	jb_bool(&ev, "scheduler_enabled_after", sched_ext_enabled());
	jb_str(&ev, "output", tail);
	jb_obj_close(&ev);
	jb_emit(&ev);
}

void run_all(const char *workloads_path, struct watch *w, const char *policy, bool partial)
{
	static struct workload wls[32];
	int n = workloads_path ? parse_workloads(workloads_path, wls, 32) : 0;
	for (int i = 0; i < n; i++)
		run_workload(&wls[i], w, policy, partial);
}
