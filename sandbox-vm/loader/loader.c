/* schedcp-loader: runs inside the micro-VM. Loads one sched_ext policy object, reports the
 * kernel verifier's per-program stats (or the rejection log), attaches it, runs workloads
 * under it while watching for the kernel ejecting it, then detaches. Every result is one
 * JSON line on stdout prefixed with "@@SCHEDCP " (see sandbox-vm/README.md for the schema).
 *
 *   schedcp-loader hello
 *   schedcp-loader policy --name N --object FILE [--timeout-ms MS] [--partial]
 *                         [--workloads FILE] [--settle-ms MS]
 *   schedcp-loader baseline --workloads FILE
 *   schedcp-loader drain     (waits until the console has sent everything written to it)
 */
#define _GNU_SOURCE
#include "bpf_policy.h"
#include "json.h"
#include "sysfs.h"
#include "workload.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#define POLL_MS 50

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
			" [--workloads FILE] [--settle-ms MS] | baseline --workloads FILE | drain\n");
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
	if (!strcmp(argv[1], "drain"))
		return tcdrain(STDOUT_FILENO) == 0 ? 0 : 1; /* reboot -f discards what the UART has not sent yet */
	if (!strcmp(argv[1], "baseline")) {
		struct watch none = { 0 };
		run_all(workloads, &none, NULL, false);
		return 0;
	}
	if (!strcmp(argv[1], "policy") && opts.object_path)
		return cmd_policy(&opts, workloads, settle_ms);
	usage();
}
