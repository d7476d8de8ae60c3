#define _GNU_SOURCE
#include "node_util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int b64v(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

long b64_decode(const char *in, unsigned char **out)
{
	size_t n = strlen(in);
	unsigned char *buf = malloc(n / 4 * 3 + 3);
	if (!buf)
		return -1;
	long len = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '=')
			break;
		int v = b64v((unsigned char)in[i]);
		if (v < 0) {
			free(buf);
			return -1;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[len++] = (unsigned char)(acc >> bits);
		}
	}
	*out = buf;
	return len;
}

bool valid_sha(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

void object_path(const char *sha, char *buf, size_t len) { snprintf(buf, len, OBJ_DIR "/%s.bpf.o", sha); }

bool file_sha256(const char *path, char out[65])
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "sha256sum %s", path); /* path is OBJ_DIR + validated hex */
	FILE *f = popen(cmd, "r");
	if (!f)
		return false;
	bool ok = fscanf(f, "%64s", out) == 1;
	pclose(f);
	return ok && valid_sha(out);
}

bool task_cpu(pid_t pid, char *state, unsigned long long *progress)
{
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* A task that ran since the last look was switched in and out at least once, or is still on
	 * the CPU; context switch counts plus the run state tell "runnable, not run" apart. */
	char *st = strstr(buf, "\nState:\t"), *v = strstr(buf, "\nvoluntary_ctxt_switches:"),
	     *nv = strstr(buf, "\nnonvoluntary_ctxt_switches:");
	if (!st || !v || !nv)
		return false;
	*state = st[8];
	*progress = strtoull(strchr(v, ':') + 1, NULL, 10) + strtoull(strchr(nv, ':') + 1, NULL, 10);
	/* ...and a spinner alone on its CPU is never switched out but its CPU time grows. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long long ut, stt;
	/* Fields after comm: state(3) ... utime(14) stime(15). */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stt) != 2)
		return false;
	*progress += ut + stt;
	return true;
}

double self_cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}

int kmsg_open_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

double kmsg_sched_ext(int fd, char *text, size_t len)
{
	char rec[2048];
	double first = 0;
	size_t used = 0;
	text[0] = '\0';
	while (fd >= 0) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		char *msg = strchr(rec, ';');
		long long usec = 0;
		if (!msg || !strstr(msg, "sched_ext"))
			continue;
		sscanf(rec, "%*d,%*[^,],%lld", &usec);
		/* the cause is the first record of the failure, not the "enabled" line of the attach */
		if (!first && !strstr(msg, " enabled"))
			first = usec / 1000.0;
		msg[strcspn(msg, "\n")] = '\0';
		int w = snprintf(text + used, len - used, "%s%s", used ? "\n" : "", msg + 1);
		if (w > 0 && used + (size_t)w < len)
			used += (size_t)w;
	}
	return first;
}

long cmdline_opt(const char *key, long dflt)
{
	char buf[1024], pat[64];
	FILE *f = fopen("/proc/cmdline", "r");
	if (!f)
		return dflt;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	snprintf(pat, sizeof(pat), "schedcp.%s=", key);
	char *p = strstr(buf, pat);
	return p ? atol(p + strlen(pat)) : dflt;
}
