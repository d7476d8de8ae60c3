/* schedcp-loader: runs inside the micro-VM. Loads one sched_ext policy object, reports the
 * kernel verifier's per-program stats (or the rejection log), attaches it, runs workloads
 * under it while watching for the kernel ejecting it, then detaches. Every result is one
 * JSON line on stdout prefixed with "@@SCHEDCP " (see sandbox-vm/README.md for the schema).
 *
 *   schedcp-loader hello
 *   schedcp-loader policy --name N --object FILE [--timeout-ms MS] [--partial]
 *                         [--workloads FILE] [--settle-ms MS]
 *   schedcp-loader baseline --workloads FILE
 */
#define _GNU_SOURCE
#include "bpf_policy.h"
#include "json.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
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

/* What the eject watcher saw: the kernel disabling the policy before we detached it. */
struct watch {
	struct policy *policy;
	double attached_at;
	bool ejected;
	double ejected_after_ms;
	char during[64];
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void read_sysfs(const char *name, char *buf, size_t len)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/kernel/sched_ext/%s", name);
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static void add_sched_ext_state(struct jbuf *ev)
{
	static const char *const files[] = { "state", "root/ops", "nr_rejected", "enable_seq", "switch_all" };
	static const char *const keys[] = { "state", "ops", "nr_rejected", "enable_seq", "switch_all" };
	char val[256];
	jb_obj_open(ev, "sched_ext");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		read_sysfs(files[i], val, sizeof(val));
		jb_str(ev, keys[i], val);
	}
	jb_obj_close(ev);
}

static bool sched_ext_enabled(void)
{
	char state[32];
	read_sysfs("state", state, sizeof(state));
	return !strcmp(state, "enabled");
}

/* Waits until /sys/kernel/sched_ext/state reads `want` (the kernel disables asynchronously). */
static bool wait_state(const char *want, int timeout_ms)
{
	double until = now_ms() + timeout_ms;
	char state[32];
	do {
		read_sysfs("state", state, sizeof(state));
		if (!strcmp(state, want))
			return true;
		usleep(10 * 1000);
	} while (now_ms() < until);
	return false;
}

static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Emits the kernel log records written since kmsg_open() ("sched_ext: ..." lines explain ejections). */
static void emit_dmesg(int fd, const char *policy)
{
	struct jbuf ev;
	char rec[2048];
	int lines = 0;
	jb_init(&ev);
	jb_obj_open(&ev, NULL);
	jb_str(&ev, "type", "dmesg");
	jb_str(&ev, "policy", policy);
	jb_arr_open(&ev, "lines");
	while (fd >= 0 && lines < 200) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* records were overwritten; keep reading the newer ones */
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* Record format: "prio,seq,usec,flags;message\n" */
		char *msg = strchr(rec, ';');
		char *fields = rec;
		long long usec = 0;
		int prio = 0;
		if (!msg)
			continue;
		*msg++ = '\0';
		sscanf(fields, "%d,%*[^,],%lld", &prio, &usec);
		msg[strcspn(msg, "\n")] = '\0';
		char line[2100];
		snprintf(line, sizeof(line), "[%5lld.%06lld] <%d> %s", usec / 1000000, usec % 1000000, prio & 7, msg);
		jb_str(&ev, NULL, line);
		lines++;
	}
	jb_arr_close(&ev);
	jb_obj_close(&ev);
	jb_emit(&ev);
}

static void check_eject(struct watch *w, const char *during)
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

static void run_all(const char *workloads_path, struct watch *w, const char *policy, bool partial)
{
	static struct workload wls[32];
	int n = workloads_path ? parse_workloads(workloads_path, wls, 32) : 0;
	for (int i = 0; i < n; i++)
		run_workload(&wls[i], w, policy, partial);
}

static void emit_eject(struct policy *p, struct watch *w)
{
	struct uei_snapshot u;
	bool has = policy_read_uei(p, &u);
	struct jbuf ev;
	jb_init(&ev);
	jb_obj_open(&ev, NULL);
	jb_str(&ev, "type", "eject");
	jb_str(&ev, "policy", p->opts.name);
	jb_str(&ev, "source", has && u.kind ? "uei" : "sysfs");
	if (has && u.kind) {
		jb_int(&ev, "kind", u.kind);
		jb_int(&ev, "exit_code", (long long)u.exit_code);
		jb_str(&ev, "reason", u.reason);
		jb_str(&ev, "message", u.msg);
		jb_str(&ev, "dump", u.dump);
	}
	jb_num(&ev, "after_ms", w->ejected_after_ms);
	jb_str(&ev, "during_workload", w->during[0] ? w->during : NULL);
	add_sched_ext_state(&ev);
	jb_obj_close(&ev);
	jb_emit(&ev);
	free(u.dump);
}

static int cmd_policy(const struct policy_opts *opts, const char *workloads, int settle_ms)
{
	int kfd = kmsg_open();
	struct policy p;
	struct jbuf ev;
	char error[1024] = "";
	install_libbpf_printer();

	jb_init(&ev);
	jb_obj_open(&ev, NULL);
	jb_str(&ev, "type", "load");
	jb_str(&ev, "policy", opts->name);
	double t0 = now_ms();
	int err = policy_open(&p, opts, &ev, error, sizeof(error));
	if (err)
		jb_str(&ev, "failure", p.failure);
	else
		err = policy_load(&p, &ev, error, sizeof(error));
	jb_bool(&ev, "ok", err == 0);
	jb_str(&ev, "error", err ? error : NULL);
	jb_num(&ev, "duration_ms", now_ms() - t0);
	jb_obj_close(&ev);
	jb_emit(&ev);
	if (err)
		goto out;

	struct watch w = { .policy = &p };
	jb_obj_open(&ev, NULL);
	jb_str(&ev, "type", "attach");
	jb_str(&ev, "policy", opts->name);
	t0 = now_ms();
	err = policy_attach(&p, error, sizeof(error));
	w.attached_at = now_ms();
	jb_bool(&ev, "ok", err == 0);
	jb_str(&ev, "error", err ? error : NULL);
	if (err)
		jb_str(&ev, "libbpf_log", libbpf_messages());
	jb_num(&ev, "duration_ms", w.attached_at - t0);
	add_sched_ext_state(&ev);
	jb_obj_close(&ev);
	jb_emit(&ev);
	if (err) {
		/* ops.init() failures still go through ops.exit(), so the UEI can say why. */
		struct uei_snapshot u;
		if (policy_read_uei(&p, &u) && u.kind) {
			w.ejected = true;
			emit_eject(&p, &w);
		}
		free(u.dump);
		goto out_close;
	}

	check_eject(&w, NULL);
	run_all(workloads, &w, opts->name, opts->partial);
	for (double until = now_ms() + settle_ms; now_ms() < until && !w.ejected; usleep(POLL_MS * 1000))
		check_eject(&w, NULL);
	check_eject(&w, NULL);
	if (w.ejected)
		emit_eject(&p, &w);

	jb_obj_open(&ev, NULL);
	jb_str(&ev, "type", "detach");
	jb_str(&ev, "policy", opts->name);
	jb_bool(&ev, "was_ejected", w.ejected);
	t0 = now_ms();
	policy_detach(&p);
	bool disabled = wait_state("disabled", 5000);
	jb_bool(&ev, "ok", disabled);
	jb_num(&ev, "duration_ms", now_ms() - t0);
	struct uei_snapshot final_uei;
	if (policy_read_uei(&p, &final_uei))
		jb_int(&ev, "exit_kind", final_uei.kind);
	free(final_uei.dump);
	add_sched_ext_state(&ev);
	jb_obj_close(&ev);
	jb_emit(&ev);
out_close:
	policy_close(&p);
out:
	emit_dmesg(kfd, opts->name);
	if (kfd >= 0)
		close(kfd);
	return err ? 1 : 0;
}

static int cmd_hello(void)
{
	struct jbuf ev;
	struct utsname u;
	double uptime = 0;
	FILE *f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%lf", &uptime) != 1)
			uptime = 0;
		fclose(f);
	}
	uname(&u);
	jb_init(&ev);
	jb_obj_open(&ev, NULL);
	jb_str(&ev, "type", "boot");
	jb_num(&ev, "uptime_ms", uptime * 1000);
	jb_str(&ev, "kernel_release", u.release);
	jb_int(&ev, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	add_sched_ext_state(&ev);
	jb_obj_close(&ev);
	jb_emit(&ev);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: schedcp-loader hello | policy --name N --object FILE [--timeout-ms MS] [--partial]"
			" [--workloads FILE] [--settle-ms MS] | baseline --workloads FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	struct policy_opts opts = { .name = "policy" };
	const char *workloads = NULL;
	int settle_ms = 100;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--partial"))
			opts.partial = true;
		else if (!v)
			usage();
		else if (!strcmp(a, "--name"))
			opts.name = v, i++;
		else if (!strcmp(a, "--object"))
			opts.object_path = v, i++;
		else if (!strcmp(a, "--timeout-ms"))
			opts.timeout_ms = atol(v), i++;
		else if (!strcmp(a, "--workloads"))
			workloads = v, i++;
		else if (!strcmp(a, "--settle-ms"))
			settle_ms = atoi(v), i++;
		else
			usage();
	}
	if (!strcmp(argv[1], "hello"))
		return cmd_hello();
	if (!strcmp(argv[1], "baseline")) {
		struct watch none = { 0 };
		run_all(workloads, &none, NULL, false);
		return 0;
	}
	if (!strcmp(argv[1], "policy") && opts.object_path)
		return cmd_policy(&opts, workloads, settle_ms);
	usage();
}
