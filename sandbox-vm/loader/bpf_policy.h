/* Opening, preparing, loading, attaching and detaching one sched_ext policy object,
 * and reading its exit info the way scx's UEI_* macros do. */
#ifndef SCHEDCP_BPF_POLICY_H
#define SCHEDCP_BPF_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct bpf_map;
struct bpf_link;
struct jbuf;

struct policy_opts {
	const char *name;
	const char *object_path;
	long timeout_ms;   /* 0: keep the policy's own ops.timeout_ms */
	bool partial;      /* set SCX_OPS_SWITCH_PARTIAL: only SCHED_EXT tasks use the policy */
};

struct policy {
	struct policy_opts opts;
	struct bpf_object *obj;
	struct bpf_map *ops_map;
	struct bpf_link *link;
	struct bpf_map *data_map;      /* .data, holds `uei` when the policy uses UEI_DEFINE(uei) */
	size_t uei_offset;             /* offset of `uei` in .data, valid when has_uei */
	bool has_uei;
	struct bpf_map *dump_map;      /* .data.uei_dump, resized to DUMP_LEN when present */
	char ops_name[128];
	/* Why policy_open failed: "not_bpf_object", "no_struct_ops" or "load_failed". */
	const char *failure;
};

struct uei_snapshot {
	int kind;
	int64_t exit_code;
	char reason[128];
	char msg[1024];
	char *dump; /* malloc'd, may be NULL */
};

/* Each step appends its own fields to `ev` (an open JSON object) and returns 0 or -errno.
 * `error` receives a one-line human-readable reason on failure. */
int policy_open(struct policy *p, const struct policy_opts *opts, struct jbuf *ev, char *error, size_t error_len);
int policy_load(struct policy *p, struct jbuf *ev, char *error, size_t error_len);
int policy_attach(struct policy *p, char *error, size_t error_len);
void policy_detach(struct policy *p);
void policy_close(struct policy *p);
/* Reads `uei` from the live .data map; returns false when the policy has no UEI. */
bool policy_read_uei(struct policy *p, struct uei_snapshot *out);
/* Text libbpf printed since the last call (warnings such as unresolved kfunc externs). */
const char *libbpf_messages(void);
void libbpf_messages_reset(void);
void install_libbpf_printer(void);

#endif
