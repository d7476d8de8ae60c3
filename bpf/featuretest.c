/* Attach test: loads and attaches each program of featuretest.bpf.c on its own and reports, as one
 * JSON line, which attach types really work on this kernel (config flags can say yes when attach fails). */
#include "loader_common.h"
#include "featuretest.skel.h"
#include <errno.h>
#include <string.h>

static const char *names[] = { "tp_btf", "raw_tp", "fentry", "kprobe" };

static void try_one(int which)
{
	char reason[256];
	bool ok = false;
	struct featuretest_bpf *skel = featuretest_bpf__open();
	if (!skel) {
		snprintf(reason, sizeof(reason), "BPF object open failed: %s", strerror(errno));
	} else {
		struct bpf_program *progs[] = { skel->progs.test_tp_btf, skel->progs.test_raw_tp, skel->progs.test_fentry, skel->progs.test_kprobe };
		for (int i = 0; i < 4; i++) bpf_program__set_autoload(progs[i], i == which);
		int err = featuretest_bpf__load(skel);
		if (err) {
			snprintf(reason, sizeof(reason), "load failed: %s", strerror(-err));
		} else {
			struct bpf_link *link = bpf_program__attach(progs[which]);
			if (!link) snprintf(reason, sizeof(reason), "attach failed: %s", strerror(errno));
			else { ok = true; snprintf(reason, sizeof(reason), "attach test passed (%s on %s)", names[which], which < 2 ? "sched_switch" : "vfs_read"); }
			bpf_link__destroy(link);
		}
		featuretest_bpf__destroy(skel);
	}
	printf("%s\"%s\":{\"ok\":%s,\"reason\":", which ? "," : "", names[which], ok ? "true" : "false");
	json_str(stdout, reason);
	printf("}");
}

int main(void)
{
	quiet_libbpf();
	printf("{\"type\":\"feature_test\",");
	for (int i = 0; i < 4; i++) try_one(i);
	printf("}\n");
	return 0;
}
