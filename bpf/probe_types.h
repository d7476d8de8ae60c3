/* Map value layouts shared by the BPF programs and their loaders. */
#ifndef SCHEDCP_PROBE_TYPES_H
#define SCHEDCP_PROBE_TYPES_H
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#define HIST_SLOTS 32

struct lat_stat {          /* runqlat per task */
	__u64 count, sum_ns, max_ns;
	char comm[16];
	__u32 tgid;
};

struct switch_stat {       /* cswitch per task */
	__u64 voluntary, involuntary, migrations;
	char comm[16];
	__u32 tgid;
};

struct syscall_key { __u32 id; __u32 tgid; };
struct syscall_stat { __u64 count, sum_ns, max_ns, errors; char comm[16]; };
struct syscall_start { __u64 ts; __u32 id; };

struct fault_stat { __u64 minor, major; char comm[16]; __u32 tgid; };

struct bio_stat { __u64 count, sum_ns, max_ns, bytes; };

enum proc_event_kind { PROC_FORK = 1, PROC_EXEC = 2, PROC_EXIT = 3 };
struct schedcp_proc_event {
	__u64 ts_ns;
	__u32 kind, pid, tgid, ppid;
	__s32 exit_code;
	char comm[16];
	char filename[64];
};
#endif
