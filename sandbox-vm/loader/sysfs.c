#include "sysfs.h"
#include "json.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void read_sysfs(const char *name, char *buf, size_t len)
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

void add_sched_ext_state(struct jbuf *ev)
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

bool sched_ext_enabled(void)
{
	char state[32];
	read_sysfs("state", state, sizeof(state));
	return !strcmp(state, "enabled");
}

bool wait_state(const char *want, int timeout_ms)
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
