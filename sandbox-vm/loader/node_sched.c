/* The node agent's scheduler slot and breaker: attach with confirmation, detach until disabled,
 * ejection/stall/soft/dead-man trips with rollback to the known-good policy, periodic samples. */
#define _GNU_SOURCE
#include "json.h"
#include "node.h"
#include "node_util.h"
#include "sysfs.h"
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHED_EXT 7
#define WINDOW_MS 1000
#define MAXS 4096

static long enable_seq(void)
{
	char v[32];
	read_sysfs("enable_seq", v, sizeof(v));
	return atol(v);
}

static void set_class(bool ext, int count)
{
	struct sched_param sp = { 0 };
	for (int i = 0; i < count && i < N.load.npids; i++)
		sched_setscheduler(N.load.pids[i], ext ? SCHED_EXT : SCHED_OTHER, &sp);
}

void untrip(const char *sha)
{
	for (int i = 0; i < N.ntripped; i++)
		if (!strcmp(N.tripped[i], sha)) {
			memmove(N.tripped[i], N.tripped[i + 1], (size_t)(N.ntripped - i - 1) * sizeof(N.tripped[0]));
			N.ntripped--;
			return;
		}
}

bool is_tripped(const char *sha)
{
	for (int i = 0; i < N.ntripped; i++)
		if (!strcmp(N.tripped[i], sha))
			return true;
	return false;
}

/* Opens and loads an object into `s` (the kernel verifier runs here), without attaching it. */
static int slot_prepare(struct slot *s, const char *name, const char *sha, bool partial, char *err, size_t errlen)
{
	char path[160];
	object_path(sha, path, sizeof(path));
	memset(s, 0, sizeof(*s));
	struct policy_opts o = { .name = name, .object_path = path, .partial = partial };
	struct jbuf scratch;
	jb_init(&scratch);
	jb_obj_open(&scratch, NULL);
	int rc = policy_open(&s->p, &o, &scratch, err, errlen);
	if (!rc)
		rc = policy_load(&s->p, &scratch, err, errlen);
	free(scratch.p);
	if (rc) {
		policy_close(&s->p);
		memset(s, 0, sizeof(*s));
		return rc;
	}
	/* policy_opts points into the caller's strings; keep our own copies. */
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->sha, sizeof(s->sha), "%s", sha);
	snprintf(s->mode, sizeof(s->mode), "%s", partial ? "canary" : "full");
	s->p.opts.name = s->name;
	return 0;
}

/* Attaches the prepared N.cur and confirms it: state enabled, the expected ops, a new enable_seq. */
static int slot_start(char *err, size_t errlen)
{
	char state[32], ops[128];
	struct slot *s = &N.cur;
	bool partial = !strcmp(s->mode, "canary");
	long before = enable_seq();
	int rc = policy_attach(&s->p, err, errlen);
	if (rc) {
		policy_close(&s->p);
		memset(s, 0, sizeof(*s));
		return rc;
	}
	s->active = true;
	s->attached_ms = now_ms();
	/* Attach returning 0 is not enabled: an ops.init() failure only shows in the state and exit info. */
	bool enabled = wait_state("enabled", 3000);
	read_sysfs("state", state, sizeof(state));
	read_sysfs("root/ops", ops, sizeof(ops));
	s->enable_seq = enable_seq();
	if (!enabled || strcmp(ops, s->p.ops_name) || s->enable_seq <= before) {
		struct uei_snapshot u;
		bool has = policy_read_uei(&s->p, &u);
		snprintf(err, errlen, "attach not confirmed: state %s, ops \"%s\" (expected \"%s\"), enable_seq %ld (was %ld)%s%s",
			 state, ops, s->p.ops_name, s->enable_seq, before, has && u.kind ? "; exit: " : "", has && u.kind ? u.msg : "");
		free(u.dump);
		double ms;
		slot_detach(&ms);
		return -EIO;
	}
	if (partial)
		set_class(true, N.load.canary_pids);
	for (int i = 0; i < N.load.npids; i++)
		N.progress_ms[i] = now_ms();
	return 0;
}

/* 6.12's bpf_scx_unreg() disables whichever scheduler is loaded: never attach while an older link
 * may still close, so the slot is empty and the kernel reports disabled first. */
static int slot_free(char *err, size_t errlen)
{
	if (N.cur.active || !wait_state("disabled", 5000)) {
		snprintf(err, errlen, "the previous scheduler is still loaded (state not disabled)");
		return -EBUSY;
	}
	return 0;
}

int slot_attach(const char *name, const char *sha, bool partial, char *err, size_t errlen)
{
	int rc = slot_free(err, errlen);
	if (!rc)
		rc = slot_prepare(&N.cur, name, sha, partial, err, errlen);
	return rc ? rc : slot_start(err, errlen);
}

/* The known-good policy loaded in advance (verified by the kernel, not attached), so a rollback
 * only attaches it: loading is most of an attach under TCG (~300 ms of the restore). */
static struct slot standby;

static void standby_close(void)
{
	if (standby.p.obj)
		policy_close(&standby.p);
	memset(&standby, 0, sizeof(standby));
}

void standby_prepare(void)
{
	char err[512];
	if (!N.kg_sha[0] || is_tripped(N.kg_sha)) {
		standby_close();
		return;
	}
	if (standby.p.obj && !strcmp(standby.sha, N.kg_sha))
		return;
	standby_close();
	if (slot_prepare(&standby, N.kg_name, N.kg_sha, false, err, sizeof(err)))
		fprintf(stderr, "schedcp-node: cannot preload the known-good policy %s: %s\n", N.kg_name, err);
}

/* Attaches the known-good policy, from the standby when it is ready. */
static int attach_known_good(bool *preloaded, char *err, size_t errlen)
{
	int rc = slot_free(err, errlen);
	*preloaded = standby.p.obj && !strcmp(standby.sha, N.kg_sha);
	if (rc)
		return rc;
	if (!*preloaded)
		return slot_attach(N.kg_name, N.kg_sha, false, err, errlen);
	N.cur = standby;
	N.cur.p.opts.name = N.cur.name;
	memset(&standby, 0, sizeof(standby));
	return slot_start(err, errlen);
}

bool slot_detach(double *ms)
{
	double t0 = now_ms();
	if (!N.cur.active) {
		*ms = 0;
		return true;
	}
	policy_detach(&N.cur.p);
	bool ok = wait_state("disabled", 5000);
	policy_close(&N.cur.p);
	N.cur.active = false;
	set_class(false, N.load.npids);
	*ms = now_ms() - t0;
	return ok;
}

static void reinstate(struct jbuf *ev, const char *skip_sha)
{
	char err[512] = "";
	double t0 = now_ms();
	if (!N.kg_sha[0] || !strcmp(N.kg_sha, skip_sha) || is_tripped(N.kg_sha)) {
		jb_str(ev, "restored", "default");
		return;
	}
	bool preloaded;
	int rc = attach_known_good(&preloaded, err, sizeof(err));
	jb_bool(ev, "preloaded", preloaded);
	if (rc) {
		jb_str(ev, "restored", "failed");
		jb_str(ev, "restore_error", err);
	} else {
		N.cur.known_good_role = true;
		jb_str(ev, "restored", "known_good");
		jb_str(ev, "known_good", N.kg_name);
	}
	jb_num(ev, "restore_ms", now_ms() - t0);
}

static void do_rollback(struct jbuf *ev, const char *sha)
{
	double detach_ms;
	bool disabled = slot_detach(&detach_ms);
	jb_num(ev, "detach_ms", detach_ms);
	jb_bool(ev, "disabled", disabled);
	if (disabled)
		reinstate(ev, sha);
	else
		jb_str(ev, "restored", "failed"); /* loud: the kernel never reported disabled */
	add_sched_ext_state(ev);
	jb_num(ev, "done_ms", now_ms());
	N.gates.deadman_ms = 0;
	N.bad_checks = 0;
}

void trip(const char *kind, const char *reason, double cause_ms, const struct trip_info *ti)
{
	double detected = now_ms();
	struct slot *s = &N.cur;
	char sha[65], name[64], dep[64];
	snprintf(sha, sizeof(sha), "%s", s->sha);
	snprintf(name, sizeof(name), "%s", s->name);
	snprintf(dep, sizeof(dep), "%s", s->deployment);
	/* Remembered so it is never reinstated, unless the trip says nothing about the policy. */
	if (strcmp(kind, "heartbeat_lost") && !is_tripped(sha) && N.ntripped < MAX_TRIPPED)
		snprintf(N.tripped[N.ntripped++], 65, "%s", sha);
	struct jbuf ev;
	jb_init(&ev);
	jb_obj_open(&ev, NULL);
	jb_int(&ev, "v", NODE_PROTOCOL);
	jb_str(&ev, "type", "trip");
	jb_str(&ev, "deployment", dep[0] ? dep : NULL);
	jb_str(&ev, "policy", name);
	jb_str(&ev, "sha256", sha);
	jb_str(&ev, "mode", s->mode);
	jb_bool(&ev, "known_good_role", s->known_good_role);
	jb_str(&ev, "kind", kind);
	jb_str(&ev, "reason", reason);
	jb_num(&ev, "detected_ms", detected);
	jb_num(&ev, "cause_ms", cause_ms > 0 ? cause_ms : detected);
	jb_num(&ev, "attached_ms", s->attached_ms);
	jb_obj_open(&ev, "evidence");
	if (ti->exit_kind) {
		jb_int(&ev, "exit_kind", ti->exit_kind);
		jb_int(&ev, "exit_code", ti->exit_code);
		jb_str(&ev, "exit_reason", ti->exit_reason);
		jb_str(&ev, "message", ti->message);
	}
	if (ti->pid) {
		jb_int(&ev, "pid", ti->pid);
		jb_str(&ev, "task", ti->task);
		jb_num(&ev, "not_run_ms", ti->not_run_ms);
	}
	if (ti->kpi) {
		jb_str(&ev, "kpi", ti->kpi);
		jb_num(&ev, "value", ti->value);
		jb_num(&ev, "threshold", ti->threshold);
		jb_int(&ev, "consecutive", ti->consecutive);
	}
	jb_str(&ev, "kernel_log", ti->kernel_log && ti->kernel_log[0] ? ti->kernel_log : NULL);
	jb_obj_close(&ev);
	jb_obj_close(&ev);
	emit(&ev);
	jb_init(&ev);
	jb_obj_open(&ev, NULL);
	jb_int(&ev, "v", NODE_PROTOCOL);
	jb_str(&ev, "type", "rollback");
	jb_str(&ev, "deployment", dep[0] ? dep : NULL);
	jb_str(&ev, "policy", name);
	jb_str(&ev, "reason", kind);
	jb_num(&ev, "detected_ms", detected);
	do_rollback(&ev, sha);
	jb_obj_close(&ev);
	emit(&ev);
	standby_prepare(); /* the standby was used: load the next one, after the event is out */
}

void rollback(const char *why, const char *kind)
{
	struct jbuf ev;
	char sha[65], name[64], dep[64];
	snprintf(sha, sizeof(sha), "%s", N.cur.sha);
	snprintf(name, sizeof(name), "%s", N.cur.name);
	snprintf(dep, sizeof(dep), "%s", N.cur.deployment);
	jb_init(&ev);
	jb_obj_open(&ev, NULL);
	jb_int(&ev, "v", NODE_PROTOCOL);
	jb_str(&ev, "type", "rollback");
	jb_str(&ev, "deployment", dep[0] ? dep : NULL);
	jb_str(&ev, "policy", N.cur.active ? name : NULL);
	jb_str(&ev, "reason", kind);
	jb_str(&ev, "why", why);
	jb_num(&ev, "detected_ms", now_ms());
	do_rollback(&ev, sha);
	jb_obj_close(&ev);
	emit(&ev);
	standby_prepare();
}

static const char *exit_kind_name(int kind)
{
	switch (kind) {
	case 1024: return "error";
	case 1025: return "scx_bpf_error";
	case 1026: return "kernel_watchdog_stall";
	case 64: case 65: case 66: return "unregistered";
	case 67: return "sysrq";
	default: return "eject";
	}
}

#define EXIT_INFO_GRACE_MS 250

/* Ejection in any form: the kernel left `enabled` while we hold the link, or the UEI has an exit. */
void node_check_eject(void)
{
	if (!N.cur.active)
		return;
	char state[32], log[2048];
	read_sysfs("state", state, sizeof(state));
	struct uei_snapshot u;
	bool has = policy_read_uei(&N.cur.p, &u);
	/* The kernel shows `disabling` before ops.exit() has recorded the exit info: give the UEI up to
	 * EXIT_INFO_GRACE_MS (polled every 20 ms) so an scx_bpf_error is not reported as a lost link. */
	static double disabling_since;
	if (!strcmp(state, "disabling") && !(has && u.kind)) {
		double now = now_ms();
		if (!disabling_since)
			disabling_since = now;
		if (now - disabling_since < EXIT_INFO_GRACE_MS) {
			free(u.dump);
			return;
		}
	}
	disabling_since = 0;
	if (strcmp(state, "enabled") || (has && u.kind)) {
		double cause = kmsg_sched_ext(N.kmsg, log, sizeof(log));
		struct trip_info ti = { .kernel_log = log };
		char reason[1400];
		if (has && u.kind) {
			ti.exit_kind = u.kind, ti.exit_code = u.exit_code, ti.exit_reason = u.reason, ti.message = u.msg;
			snprintf(reason, sizeof(reason), "the kernel ejected the policy: %s%s%s", u.reason, u.msg[0] ? ": " : "", u.msg);
		} else {
			snprintf(reason, sizeof(reason), "sched_ext state is %s while the policy's link is held (no exit info)", state);
		}
		trip(has && u.kind ? exit_kind_name(u.kind) : "link_lost", reason, cause, &ti);
	}
	free(u.dump);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(uint32_t *v, int n, double q)
{
	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_u32);
	int i = (int)(q * (n - 1) + 0.5);
	return v[i];
}

/* A load task runnable (state R) whose CPU time did not move for longer than the stall threshold. */
static bool check_stall(double now, struct trip_info *ti, double *onset, double *worst)
{
	static const char *const comms[] = { "load-sleeper", "load-server", "load-client" };
	*worst = 0;
	for (int i = 0; i < N.load.npids; i++) {
		char st;
		unsigned long long ticks;
		if (!task_cpu(N.load.pids[i], &st, &ticks))
			continue;
		if (st != 'R' || ticks != N.ticks[i])
			N.progress_ms[i] = now;
		N.ticks[i] = ticks;
		double idle = now - N.progress_ms[i];
		if (idle > *worst)
			*worst = idle;
		if (N.cur.active && N.gates.stall_ms > 0 && idle > N.gates.stall_ms && !ti->pid) {
			ti->pid = N.load.pids[i];
			ti->task = i < 3 ? comms[i] : "load-batch";
			ti->not_run_ms = idle;
			*onset = N.progress_ms[i];
		}
	}
	return ti->pid != 0;
}

void sample(void)
{
	double now = now_ms();
	static uint32_t wake[MAXS], req[MAXS];
	int nw = load_window(&N.load.sh->wake, now - WINDOW_MS, wake, MAXS);
	int nr = load_window(&N.load.sh->req, now - WINDOW_MS, req, MAXS);
	double wake_p50 = pct(wake, nw, 0.5), wake_p99 = pct(wake, nw, 0.99), wake_max = nw ? wake[nw - 1] : 0;
	double req_p50 = pct(req, nr, 0.5), req_p99 = pct(req, nr, 0.99);
	uint64_t batch = load_batch_total(&N.load);
	double dt = N.last_sample_ms ? now - N.last_sample_ms : 0;
	double cpu = self_cpu_us();
	struct trip_info stall = { 0 };
	double onset = 0, worst;
	bool stalled = check_stall(now, &stall, &onset, &worst);

	struct jbuf ev;
	jb_init(&ev);
	jb_obj_open(&ev, NULL);
	jb_int(&ev, "v", NODE_PROTOCOL);
	jb_str(&ev, "type", "sample");
	jb_int(&ev, "seq", ++N.seq);
	jb_num(&ev, "t_ms", now);
	jb_str(&ev, "deployment", N.cur.active && N.cur.deployment[0] ? N.cur.deployment : NULL);
	jb_str(&ev, "policy", N.cur.active ? N.cur.name : NULL);
	jb_str(&ev, "mode", N.cur.active ? N.cur.mode : NULL);
	add_sched_ext_state(&ev);
	jb_int(&ev, "wake_n", nw);
	jb_num(&ev, "wake_p50_us", wake_p50);
	jb_num(&ev, "wake_p99_us", wake_p99);
	jb_num(&ev, "wake_max_us", wake_max);
	jb_int(&ev, "req_n", nr);
	jb_num(&ev, "req_p50_us", req_p50);
	jb_num(&ev, "req_p99_us", req_p99);
	jb_num(&ev, "batch_ops_per_s", dt > 0 ? (batch - N.last_batch) * 1000.0 / dt : 0);
	jb_num(&ev, "max_not_run_ms", worst);
	jb_num(&ev, "agent_cpu_us", dt > 0 ? cpu - N.last_cpu_us : 0);
	jb_num(&ev, "interval_ms", dt);
	jb_obj_close(&ev);
	emit(&ev);
	N.last_sample_ms = now;
	N.last_cpu_us = cpu;
	N.last_batch = batch;

	if (!N.cur.active)
		return;
	node_check_eject();
	if (!N.cur.active)
		return;
	if (stalled) {
		char reason[160];
		snprintf(reason, sizeof(reason), "%s (pid %d) runnable without running for %.0f ms (threshold %.0f ms)",
			 stall.task, stall.pid, stall.not_run_ms, N.gates.stall_ms);
		trip("stall", reason, onset + N.gates.stall_ms, &stall);
		return;
	}
	if (N.cur.known_good_role)
		return;
	if (N.gates.deadman_ms > 0 && now - N.last_contact_ms > N.gates.deadman_ms) {
		char reason[160];
		struct trip_info ti = { 0 };
		snprintf(reason, sizeof(reason), "no heartbeat from the control plane for %.0f ms (dead-man switch at %.0f ms)",
			 now - N.last_contact_ms, N.gates.deadman_ms);
		trip("heartbeat_lost", reason, N.last_contact_ms + N.gates.deadman_ms, &ti);
		return;
	}
	/* Soft gates: a KPI over its threshold for soft_checks consecutive samples. */
	const char *kpi = NULL;
	double value = 0, thr = 0;
	if (N.gates.soft_wake_p99_us > 0 && nw > 0 && wake_p99 > N.gates.soft_wake_p99_us)
		kpi = "wake_p99_us", value = wake_p99, thr = N.gates.soft_wake_p99_us;
	else if (N.gates.soft_req_p99_us > 0 && nr > 0 && req_p99 > N.gates.soft_req_p99_us)
		kpi = "req_p99_us", value = req_p99, thr = N.gates.soft_req_p99_us;
	N.bad_checks = kpi ? N.bad_checks + 1 : 0;
	if (kpi && N.gates.soft_checks > 0 && N.bad_checks >= N.gates.soft_checks) {
		char reason[200];
		struct trip_info ti = { .kpi = kpi, .value = value, .threshold = thr, .consecutive = N.bad_checks };
		snprintf(reason, sizeof(reason), "%s %.0f above its gate %.0f for %d consecutive checks", kpi, value, thr, N.bad_checks);
		trip("soft", reason, now, &ti);
	}
}
