#include "bpf_policy.h"
#include "json.h"
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From enum scx_ops_flags in the 6.12 kernel; build-kit.sh checks vmlinux.h agrees. */
#define SCX_OPS_SWITCH_PARTIAL (1ULL << 3)
#define DUMP_LEN 8192
#define STATS_LOG_LEN (16 * 1024)
#define FULL_LOG_LEN (1024 * 1024)
/* The serial console is slow under TCG: ship the tail of a rejection log, which holds the error. */
#define LOG_TAIL_LEN (48 * 1024)

static char libbpf_buf[16 * 1024];
static size_t libbpf_len;

static int libbpf_printer(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[2048];
	int n = vsnprintf(line, sizeof(line), fmt, args);
	if (n <= 0)
		return 0;
	size_t len = strnlen(line, sizeof(line));
	if (libbpf_len + len >= sizeof(libbpf_buf))
		libbpf_len = 0; /* keep the newest messages; they explain the failure */
	memcpy(libbpf_buf + libbpf_len, line, len);
	libbpf_len += len;
	libbpf_buf[libbpf_len] = '\0';
	return n;
}

void install_libbpf_printer(void) { libbpf_set_print(libbpf_printer); }
const char *libbpf_messages(void) { return libbpf_buf; }
void libbpf_messages_reset(void) { libbpf_len = 0; libbpf_buf[0] = '\0'; }

static const struct btf_type *struct_of_map(struct bpf_object *obj, struct bpf_map *map)
{
	struct btf *btf = bpf_object__btf(obj);
	if (!btf)
		return NULL;
	const struct btf_type *t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	return t && btf_is_struct(t) ? t : NULL;
}

/* Byte offset of a struct member found through the object's BTF, or -1. */
static long member_offset(struct btf *btf, const struct btf_type *t, const char *name)
{
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return btf_member_bit_offset(t, i) / 8;
	return -1;
}

/* Offset of a global variable inside its data section (e.g. "uei" in ".data"), or -1. */
static long var_offset(struct btf *btf, const char *section, const char *var)
{
	int id = btf__find_by_name_kind(btf, section, BTF_KIND_DATASEC);
	if (id < 0)
		return -1;
	const struct btf_type *sec = btf__type_by_id(btf, id);
	const struct btf_var_secinfo *vi = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vi++) {
		const struct btf_type *v = btf__type_by_id(btf, vi->type);
		if (v && !strcmp(btf__name_by_offset(btf, v->name_off), var))
			return vi->offset;
	}
	return -1;
}

static struct bpf_map *find_sched_ext_ops(struct bpf_object *obj, int *struct_ops_count)
{
	struct bpf_map *map, *found = NULL;
	struct btf *btf = bpf_object__btf(obj);
	*struct_ops_count = 0;
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		(*struct_ops_count)++;
		const struct btf_type *t = struct_of_map(obj, map);
		if (t && !found && !strcmp(btf__name_by_offset(btf, t->name_off), "sched_ext_ops"))
			found = map;
	}
	return found;
}

/* Size the UEI dump buffer the way UEI_SET_SIZE does so the kernel's debug dump reaches us. */
static void prepare_dump(struct policy *p, void *ops, const struct btf_type *ops_t)
{
	struct btf *btf = bpf_object__btf(p->obj);
	struct bpf_map *rodata = bpf_object__find_map_by_name(p->obj, ".rodata");
	struct bpf_map *dump = bpf_object__find_map_by_name(p->obj, ".data.uei_dump");
	long len_off = var_offset(btf, ".rodata", "uei_dump_len");
	long dump_len_off = member_offset(btf, ops_t, "exit_dump_len");
	if (!rodata || !dump || len_off < 0 || dump_len_off < 0)
		return;
	size_t rodata_size;
	char *ro = bpf_map__initial_value(rodata, &rodata_size);
	if (!ro || (size_t)len_off + 4 > rodata_size || bpf_map__set_value_size(dump, DUMP_LEN))
		return;
	uint32_t *ops_dump_len = (uint32_t *)((char *)ops + dump_len_off);
	if (*ops_dump_len == 0 || *ops_dump_len > DUMP_LEN)
		*ops_dump_len = DUMP_LEN;
	*(uint32_t *)(ro + len_off) = *ops_dump_len;
	p->dump_map = dump;
}

static int open_prepared(struct policy *p, const struct policy_opts *opts, const struct bpf_object_open_opts *oo,
			 struct jbuf *ev, char *error, size_t error_len)
{
	memset(p, 0, sizeof(*p));
	p->opts = *opts;
	p->obj = bpf_object__open_file(opts->object_path, oo);
	if (!p->obj) {
		int err = -errno;
		char why[128];
		libbpf_strerror(err, why, sizeof(why));
		snprintf(error, error_len, "%s is not a loadable BPF ELF object (%s); compile it with clang -target bpf",
			 opts->object_path, why);
		p->failure = "not_bpf_object";
		return err;
	}
	int struct_ops_count;
	p->ops_map = find_sched_ext_ops(p->obj, &struct_ops_count);
	jb_int(ev, "struct_ops_maps", struct_ops_count);
	if (!p->ops_map) {
		snprintf(error, error_len,
			 "%s has no sched_ext struct_ops map; define one with "
			 "SEC(\".struct_ops.link\") struct sched_ext_ops NAME = { ... }",
			 opts->object_path);
		p->failure = "no_struct_ops";
		return -ENOENT;
	}
	struct btf *btf = bpf_object__btf(p->obj);
	const struct btf_type *ops_t = struct_of_map(p->obj, p->ops_map);
	size_t ops_size;
	char *ops = bpf_map__initial_value(p->ops_map, &ops_size);
	long name_off = member_offset(btf, ops_t, "name");
	long timeout_off = member_offset(btf, ops_t, "timeout_ms");
	long flags_off = member_offset(btf, ops_t, "flags");
	if (!ops || name_off < 0 || timeout_off < 0 || flags_off < 0) {
		snprintf(error, error_len, "struct_ops map %s lacks name/timeout_ms/flags members; "
			 "was it compiled against the kit's vmlinux.h?", bpf_map__name(p->ops_map));
		p->failure = "load_failed";
		return -EINVAL;
	}
	snprintf(p->ops_name, sizeof(p->ops_name), "%s", ops + name_off);
	uint32_t *timeout_ms = (uint32_t *)(ops + timeout_off);
	uint64_t *flags = (uint64_t *)(ops + flags_off);
	if (opts->timeout_ms > 0)
		*timeout_ms = (uint32_t)opts->timeout_ms;
	if (opts->partial)
		*flags |= SCX_OPS_SWITCH_PARTIAL;
	jb_str(ev, "struct_ops_map", bpf_map__name(p->ops_map));
	jb_str(ev, "ops_name", p->ops_name);
	jb_int(ev, "timeout_ms", *timeout_ms);
	jb_int(ev, "flags", (long long)*flags);

	p->data_map = bpf_object__find_map_by_name(p->obj, ".data");
	long uei_off = var_offset(btf, ".data", "uei");
	p->has_uei = p->data_map && uei_off >= 0;
	p->uei_offset = uei_off < 0 ? 0 : (size_t)uei_off;
	jb_bool(ev, "has_uei", p->has_uei);
	if (p->has_uei)
		prepare_dump(p, ops, ops_t);
	return 0;
}

static void emit_programs(struct policy *p, struct jbuf *ev, char **logs)
{
	struct bpf_program *prog;
	int i = 0;
	jb_arr_open(ev, "programs");
	bpf_object__for_each_program(prog, p->obj) {
		jb_obj_open(ev, NULL);
		jb_str(ev, "name", bpf_program__name(prog));
		jb_str(ev, "section", bpf_program__section_name(prog));
		jb_int(ev, "insns", (long long)bpf_program__insn_cnt(prog));
		jb_bool(ev, "loaded", bpf_program__fd(prog) >= 0);
		jb_str(ev, "verifier_stats", logs[i] ? logs[i] : "");
		jb_obj_close(ev);
		i++;
	}
	jb_arr_close(ev);
}

/* The first autoloaded program without an fd is the one the kernel refused: libbpf loads in order. */
static const char *failed_program(struct bpf_object *obj)
{
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
		if (bpf_program__autoload(prog) && bpf_program__fd(prog) < 0)
			return bpf_program__name(prog);
	return NULL;
}

int policy_open(struct policy *p, const struct policy_opts *opts, struct jbuf *ev, char *error, size_t error_len)
{
	return open_prepared(p, opts, NULL, ev, error, error_len);
}

/* Reopens the object and loads it again with instruction-level logging to capture the full
 * verifier log of the rejected program (only on failure: logging slows verification down). */
static void capture_rejection_log(struct policy *p, struct jbuf *ev)
{
	char *log = calloc(1, FULL_LOG_LEN);
	if (!log)
		return;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .kernel_log_buf = log, .kernel_log_size = FULL_LOG_LEN,
		    .kernel_log_level = 1 | 4);
	struct policy again;
	struct jbuf scratch;
	char err[256];
	jb_init(&scratch);
	/* open_prepared reapplies the same overrides so the retry verifies identical bytecode. */
	if (open_prepared(&again, &p->opts, &oo, &scratch, err, sizeof(err)) == 0)
		bpf_object__load(again.obj);
	if (again.obj)
		bpf_object__close(again.obj);
	free(scratch.p);
	size_t len = strnlen(log, FULL_LOG_LEN);
	size_t from = len > LOG_TAIL_LEN ? len - LOG_TAIL_LEN : 0;
	jb_str(ev, "verifier_log", log + from);
	jb_bool(ev, "verifier_log_truncated", from > 0);
	free(log);
}

int policy_load(struct policy *p, struct jbuf *ev, char *error, size_t error_len)
{
	struct bpf_program *prog;
	size_t n = 0;
	bpf_object__for_each_program(prog, p->obj)
		n++;
	char **logs = calloc(n + 1, sizeof(*logs));
	size_t i = 0;
	/* Log level 4 (BPF_LOG_STATS) gives per-program "processed N insns ... peak_states ..." lines. */
	bpf_object__for_each_program(prog, p->obj) {
		logs[i] = calloc(1, STATS_LOG_LEN);
		bpf_program__set_log_buf(prog, logs[i], STATS_LOG_LEN);
		bpf_program__set_log_level(prog, 4);
		i++;
	}
	libbpf_messages_reset();
	int err = bpf_object__load(p->obj);
	emit_programs(p, ev, logs);
	if (err) {
		const char *failed = failed_program(p->obj);
		snprintf(error, error_len, "the kernel refused to load %s%s%s: %s", p->opts.object_path,
			 failed ? ", program " : "", failed ? failed : "", strerror(-err));
		jb_str(ev, "failed_program", failed);
		jb_int(ev, "errno", -err);
		jb_str(ev, "libbpf_log", libbpf_messages());
		capture_rejection_log(p, ev);
	}
	for (i = 0; i < n; i++)
		free(logs[i]);
	free(logs);
	return err;
}

int policy_attach(struct policy *p, char *error, size_t error_len)
{
	libbpf_messages_reset();
	p->link = bpf_map__attach_struct_ops(p->ops_map);
	if (!p->link) {
		int err = -errno;
		snprintf(error, error_len, "attaching struct_ops %s failed: %s", bpf_map__name(p->ops_map), strerror(-err));
		return err;
	}
	return 0;
}

void policy_detach(struct policy *p)
{
	if (p->link)
		bpf_link__destroy(p->link);
	p->link = NULL;
}

void policy_close(struct policy *p)
{
	policy_detach(p);
	if (p->obj)
		bpf_object__close(p->obj);
	p->obj = NULL;
}

bool policy_read_uei(struct policy *p, struct uei_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	if (!p->has_uei || bpf_map__fd(p->data_map) < 0)
		return false;
	size_t size = bpf_map__value_size(p->data_map);
	char *data = calloc(1, size);
	uint32_t zero = 0;
	bool ok = data && bpf_map_lookup_elem(bpf_map__fd(p->data_map), &zero, data) == 0;
	/* Layout of struct user_exit_info from scx/user_exit_info.h: int kind; s64 exit_code; reason[128]; msg[1024]. */
	if (ok && p->uei_offset + 16 + 128 + 1024 <= size) {
		const char *u = data + p->uei_offset;
		memcpy(&out->kind, u, sizeof(int));
		memcpy(&out->exit_code, u + 8, sizeof(int64_t));
		memcpy(out->reason, u + 16, 127);
		memcpy(out->msg, u + 16 + 128, 1023);
	} else {
		ok = false;
	}
	free(data);
	/* The dump exists only after an exit; the node agent polls this every 20 ms, so skip it until then. */
	if (ok && out->kind && p->dump_map && bpf_map__fd(p->dump_map) >= 0) {
		out->dump = calloc(1, DUMP_LEN + 1);
		if (out->dump && bpf_map_lookup_elem(bpf_map__fd(p->dump_map), &zero, out->dump) != 0) {
			free(out->dump);
			out->dump = NULL;
		}
	}
	return ok;
}
