/* schedcp-node: the node agent. Owns the sched_ext scheduler of its node, runs the steady load,
 * samples every interval and enforces the circuit breaker locally (a rollback never waits for the
 * control plane). Speaks versioned line-delimited JSON on one channel:
 *
 *   schedcp-node --channel /dev/ttyS1      (VM node: a second serial port)
 *   schedcp-node --listen /run/schedcp-node.sock   (local host: a unix socket, one controller at a time)
 *
 * Options also come from the kernel command line: schedcp.interval_ms, schedcp.batch. */
#define _GNU_SOURCE
#include "jparse.h"
#include "json.h"
#include "node.h"
#include "node_util.h"
#include "sysfs.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#define MAX_LINE (8 << 20)
#define EJECT_POLL_MS 20

struct node N = { .chan = -1 };

/* The last trips and rollbacks, kept so a controller that was away (restarted, killed, the
 * dead-man case) can ask for them with `replay` and learn what the agent did meanwhile. */
#define HISTORY 16
static char *history[HISTORY];
static size_t history_len[HISTORY];
static unsigned nhistory;

static void remember(const struct jbuf *b)
{
	if (!b->p || (!memmem(b->p, b->len, "\"type\":\"trip\"", 13) && !memmem(b->p, b->len, "\"type\":\"rollback\"", 17)))
		return;
	unsigned i = nhistory++ % HISTORY;
	free(history[i]);
	history[i] = malloc(b->len);
	if (history[i])
		memcpy(history[i], b->p, b->len);
	history_len[i] = history[i] ? b->len : 0;
}

static int replay_history(void)
{
	unsigned first = nhistory > HISTORY ? nhistory - HISTORY : 0;
	for (unsigned n = first; n < nhistory; n++) {
		struct jbuf b;
		unsigned i = n % HISTORY;
		if (!history[i])
			continue;
		jb_init(&b);
		/* verbatim, plus a marker so a reader can tell a replay from a live event */
		b.p = malloc(history_len[i] + 32);
		if (!b.p)
			continue;
		memcpy(b.p, history[i], history_len[i] - 1); /* without the closing brace */
		memcpy(b.p + history_len[i] - 1, ",\"replay\":true}", 15);
		b.len = history_len[i] - 1 + 15;
		b.cap = history_len[i] + 32;
		if (N.chan >= 0)
			jb_emit_to(&b, N.chan);
		else
			free(b.p);
	}
	return (int)(nhistory - first);
}

void emit(struct jbuf *b)
{
	remember(b);
	if (N.chan >= 0)
		jb_emit_to(b, N.chan);
	else
		free(b->p), jb_init(b);
}

static void add_slot(struct jbuf *b)
{
	if (!N.cur.active) {
		jb_null(b, "current");
		return;
	}
	jb_obj_open(b, "current");
	jb_str(b, "name", N.cur.name);
	jb_str(b, "sha256", N.cur.sha);
	jb_str(b, "ops", N.cur.p.ops_name);
	jb_str(b, "mode", N.cur.mode);
	jb_str(b, "deployment", N.cur.deployment[0] ? N.cur.deployment : NULL);
	jb_str(b, "role", N.cur.known_good_role ? "known_good" : "deployment");
	jb_num(b, "attached_ms", N.cur.attached_ms);
	jb_int(b, "enable_seq", N.cur.enable_seq);
	jb_obj_close(b);
}

void add_status(struct jbuf *b)
{
	struct utsname u;
	uname(&u);
	jb_int(b, "protocol", NODE_PROTOCOL);
	jb_str(b, "agent_version", NODE_VERSION);
	jb_int(b, "agent_pid", getpid());
	jb_num(b, "agent_started_ms", N.started_ms);
	jb_num(b, "now_ms", now_ms());
	jb_str(b, "kernel_release", u.release);
	jb_int(b, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	jb_int(b, "interval_ms", N.interval_ms);
	add_sched_ext_state(b);
	add_slot(b);
	if (N.kg_sha[0]) {
		jb_obj_open(b, "known_good");
		jb_str(b, "name", N.kg_name);
		jb_str(b, "sha256", N.kg_sha);
		jb_obj_close(b);
	} else {
		jb_null(b, "known_good");
	}
	jb_arr_open(b, "tripped");
	for (int i = 0; i < N.ntripped; i++)
		jb_str(b, NULL, N.tripped[i]);
	jb_arr_close(b);
	jb_obj_open(b, "load");
	jb_int(b, "batch_workers", N.load.batch);
	jb_int(b, "tasks", N.load.npids);
	jb_int(b, "canary_tasks", N.load.canary_pids);
	jb_obj_close(b);
}

static void reply(long id, const char *cmd, const char *error, void (*more)(struct jbuf *))
{
	struct jbuf b;
	jb_init(&b);
	jb_obj_open(&b, NULL);
	jb_int(&b, "v", NODE_PROTOCOL);
	jb_str(&b, "type", "reply");
	jb_int(&b, "id", id);
	jb_str(&b, "cmd", cmd);
	jb_bool(&b, "ok", error == NULL);
	jb_str(&b, "error", error);
	if (more)
		more(&b);
	jb_obj_close(&b);
	emit(&b);
}

static const char *put_object(const struct jp_object *o, char *err, size_t len)
{
	const char *sha = jp_str(o, "sha256"), *data = jp_str(o, "data");
	char path[160], tmp[170], got[65];
	unsigned char *bytes;
	if (!valid_sha(sha) || !data)
		return "put_object needs sha256 (64 lowercase hex digits) and data (base64)";
	long n = b64_decode(data, &bytes);
	if (n < 0)
		return "data is not valid base64";
	/* The serial channel moves ~7 KB/s under TCG: objects travel gzip'ed (busybox gunzip here). */
	const char *enc = jp_str(o, "encoding");
	bool gz = enc && !strcmp(enc, "gzip+base64");
	if (enc && !gz && strcmp(enc, "base64")) {
		free(bytes);
		return "encoding must be base64 or gzip+base64";
	}
	object_path(sha, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.%s", path, gz ? "gz" : "part");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && write(fd, bytes, (size_t)n) == n;
	if (fd >= 0)
		close(fd);
	free(bytes);
	if (!ok)
		return "cannot write the object under " OBJ_DIR;
	if (gz) {
		char cmd[400];
		snprintf(cmd, sizeof(cmd), "gunzip -c %s > %s.part", tmp, path); /* our own hex paths */
		int rc = system(cmd);
		unlink(tmp);
		if (rc != 0)
			return "the object is not valid gzip data";
		snprintf(tmp, sizeof(tmp), "%s.part", path);
	}
	if (!file_sha256(tmp, got) || strcmp(got, sha)) {
		unlink(tmp);
		snprintf(err, len, "checksum mismatch: received %ld bytes with sha256 %s, expected %s", n, got, sha);
		return err;
	}
	rename(tmp, path);
	return NULL;
}

static const char *deploy(const struct jp_object *o, char *err, size_t len)
{
	const char *sha = jp_str(o, "sha256"), *name = jp_str(o, "name"), *dep = jp_str(o, "deployment");
	const char *mode = jp_str(o, "mode");
	char path[160];
	if (!valid_sha(sha) || !name || !dep || !mode || (strcmp(mode, "canary") && strcmp(mode, "full")))
		return "deploy needs deployment, name, sha256 and mode (canary|full)";
	object_path(sha, path, sizeof(path));
	if (access(path, R_OK))
		return "object not on the node: send put_object first";
	bool same = N.cur.active && !N.cur.known_good_role && !strcmp(N.cur.deployment, dep);
	if (N.cur.active && !N.cur.known_good_role && !same) {
		snprintf(err, len, "node busy with deployment %s", N.cur.deployment);
		return err;
	}
	struct gates g = {
		.stall_ms = jp_num(o, "stall_ms", 1000), .deadman_ms = jp_num(o, "deadman_ms", 10000),
		.soft_wake_p99_us = jp_num(o, "soft_wake_p99_us", 0), .soft_req_p99_us = jp_num(o, "soft_req_p99_us", 0),
		.soft_checks = (int)jp_num(o, "soft_checks", 3),
	};
	double ms;
	if (!slot_detach(&ms)) /* a known-good policy or the canary of this deployment leaves first */
		return "the current scheduler did not reach disabled after detach";
	N.gates = g;
	N.bad_checks = 0;
	N.kmsg >= 0 ? (void)kmsg_sched_ext(N.kmsg, err, len) : (void)0; /* skip older kernel records */
	int rc = slot_attach(name, sha, !strcmp(mode, "canary"), err, len);
	if (rc) {
		rollback(err, "attach_failed"); /* restores the known-good policy */
		return err;
	}
	snprintf(N.cur.deployment, sizeof(N.cur.deployment), "%s", dep);
	return NULL;
}

static void handle(char *line)
{
	struct jp_object o;
	static char err[1024];
	const char *e = NULL;
	N.last_contact_ms = now_ms();
	if (jp_parse(line, &o)) {
		reply(-1, NULL, "not a JSON object", NULL);
		return;
	}
	long id = (long)jp_num(&o, "id", -1);
	const char *cmd = jp_str(&o, "cmd");
	if (jp_num(&o, "v", NODE_PROTOCOL) != NODE_PROTOCOL) {
		reply(id, cmd, "unsupported protocol version (this agent speaks v1)", NULL);
		return;
	}
	if (!cmd) {
		e = "missing cmd";
	} else if (!strcmp(cmd, "hello") || !strcmp(cmd, "status")) {
		reply(id, cmd, NULL, add_status);
		return;
	} else if (!strcmp(cmd, "heartbeat")) {
	} else if (!strcmp(cmd, "replay")) {
		replay_history();
	} else if (!strcmp(cmd, "debug_kill")) {
		/* Test nodes only: a real SIGKILL of the agent, so tests see what the kernel does with its link. */
		if (cmdline_opt("debug", 0) != 1)
			e = "debug_kill needs a node booted with schedcp.debug=1 (test nodes only)";
		else
			raise(SIGKILL);
	} else if (!strcmp(cmd, "put_object")) {
		e = put_object(&o, err, sizeof(err));
	} else if (!strcmp(cmd, "deploy")) {
		e = deploy(&o, err, sizeof(err));
		reply(id, cmd, e, add_status);
		return;
	} else if (!strcmp(cmd, "rollback")) {
		const char *dep = jp_str(&o, "deployment");
		if (N.cur.active && !N.cur.known_good_role && (!dep || !strcmp(dep, N.cur.deployment)))
			rollback(jp_str(&o, "reason") ? jp_str(&o, "reason") : "requested", "manual");
		else
			e = "no deployment is running on this node";
	} else if (!strcmp(cmd, "set_known_good")) {
		const char *sha = jp_str(&o, "sha256"), *name = jp_str(&o, "name");
		char path[160];
		if (!valid_sha(sha) || !name)
			e = "set_known_good needs sha256 and name";
		else if (object_path(sha, path, sizeof(path)), access(path, R_OK))
			e = "object not on the node: send put_object first";
		else {
			snprintf(N.kg_sha, sizeof(N.kg_sha), "%s", sha);
			snprintf(N.kg_name, sizeof(N.kg_name), "%s", name);
			untrip(sha); /* an explicit known-good decision outranks an old trip */
			standby_prepare();
			if (N.cur.active && !strcmp(N.cur.sha, sha) && !strcmp(N.cur.mode, "full")) {
				N.cur.known_good_role = true; /* the deployment is finished */
				N.gates.deadman_ms = 0;
			}
			if (jp_bool(&o, "apply", false) && !N.cur.active) {
				if (slot_attach(name, sha, false, err, sizeof(err)))
					e = err;
				else
					N.cur.known_good_role = true;
			}
		}
	} else if (!strcmp(cmd, "clear_known_good")) {
		N.kg_sha[0] = N.kg_name[0] = '\0';
		standby_prepare();
	} else {
		snprintf(err, sizeof(err), "unknown cmd \"%.64s\"", cmd);
		e = err;
	}
	reply(id, cmd, e, NULL);
}

static int open_channel(const char *dev)
{
	int fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct termios t;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t); /* no echo, no line editing (canonical mode caps lines at 4 KiB) */
		cfsetspeed(&t, B115200);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

static int open_listener(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1))
		return -1;
	chmod(path, 0600);
	return fd;
}

int main(int argc, char **argv)
{
	const char *channel = NULL, *listen_path = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--channel"))
			channel = argv[i + 1];
		else if (!strcmp(argv[i], "--listen"))
			listen_path = argv[i + 1];
	}
	if (!channel == !listen_path) {
		fprintf(stderr, "usage: schedcp-node --channel DEVICE | --listen SOCKET\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	N.interval_ms = (int)cmdline_opt("interval_ms", 250);
	N.started_ms = N.last_contact_ms = now_ms();
	N.kmsg = kmsg_open_end();
	mkdir("/run/schedcp-node", 0700);
	mkdir(OBJ_DIR, 0700);
	install_libbpf_printer();
	if (load_start(&N.load, (int)cmdline_opt("batch", 2), 2000, 5000)) {
		fprintf(stderr, "schedcp-node: cannot start the load: %s\n", strerror(errno));
		return 1;
	}
	/* The agent must run even when a policy starves SCHED_EXT tasks: RT outranks sched_ext. */
	struct sched_param sp = { .sched_priority = 10 };
	sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp);
	int lfd = listen_path ? open_listener(listen_path) : -1;
	if (channel && (N.chan = open_channel(channel)) < 0) {
		fprintf(stderr, "schedcp-node: cannot open %s: %s\n", channel, strerror(errno));
		return 1;
	}
	if (listen_path && lfd < 0) {
		fprintf(stderr, "schedcp-node: cannot listen on %s: %s\n", listen_path, strerror(errno));
		return 1;
	}
	struct jbuf hello;
	jb_init(&hello);
	jb_obj_open(&hello, NULL);
	jb_int(&hello, "v", NODE_PROTOCOL);
	jb_str(&hello, "type", "hello");
	add_status(&hello);
	jb_obj_close(&hello);
	emit(&hello);

	char *buf = malloc(MAX_LINE + 1);
	size_t used = 0;
	double next_sample = now_ms() + N.interval_ms;
	for (;;) {
		struct pollfd pfd[2];
		int n = 0;
		if (N.chan >= 0)
			pfd[n++] = (struct pollfd){ .fd = N.chan, .events = POLLIN };
		if (lfd >= 0 && N.chan < 0)
			pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		double wait = next_sample - now_ms();
		int timeout = wait < 0 ? 0 : wait > EJECT_POLL_MS ? EJECT_POLL_MS : (int)wait;
		int r = poll(pfd, (nfds_t)n, timeout);
		for (int i = 0; r > 0 && i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd == lfd) {
				N.chan = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
				used = 0;
				continue;
			}
			ssize_t got = read(N.chan, buf + used, MAX_LINE - used);
			if (got <= 0) {
				if (lfd >= 0) { /* the controller went away; the dead-man switch keeps counting */
					close(N.chan);
					N.chan = -1;
				} else if (got < 0 && errno != EAGAIN && errno != EINTR) {
					usleep(100000);
				}
				continue;
			}
			/* Scan only the new bytes: an object line is hundreds of KiB arriving in small reads. */
			char *start = buf, *nl, *from = buf + used;
			used += (size_t)got;
			while ((nl = memchr(from, '\n', used - (size_t)(from - buf)))) {
				*nl = '\0';
				if (nl > start)
					handle(start);
				start = from = nl + 1;
			}
			used -= (size_t)(start - buf);
			memmove(buf, start, used);
			if (used >= MAX_LINE)
				used = 0; /* an oversized line is dropped, not half-parsed */
		}
		node_check_eject();
		if (now_ms() >= next_sample) {
			sample();
			next_sample += N.interval_ms;
			if (next_sample < now_ms())
				next_sample = now_ms() + N.interval_ms;
		}
	}
}
