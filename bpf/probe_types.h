/* Map value layouts shared by the BPF programs and their loaders. */
#ifndef SCHEDCP_PROBE_TYPES_H
#define SCHEDCP_PROBE_TYPES_H
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#define HIST_SLOTS 32

/* runqlat per CPU (one-element per-CPU array, summed by the loader): eligible enqueues seen, those
 * stamped (all of them unless sampling), and the log2 µs histogram of the waits measured. */
struct rq_cpu { __u64 seen, stamped, rng; __u64 hist[HIST_SLOTS]; };

/* cswitch per CPU: exact totals (always) and how many switches/migrations went into per-task rows. */
struct sw_cpu { __u64 voluntary, involuntary, migrations, recorded, rng; };

/* syscalls: counting-mode slots, one per syscall number; numbers >= SYSCALL_SLOTS land in the last. */
#define SYSCALL_SLOTS 1024
/* syscalls latency mode per CPU: enters seen and stamped (sampling). */
struct sys_cpu { __u64 seen, stamped, rng; };
/* syscalls latency mode: the pending syscall of a thread (task-local storage). */
struct sys_pending { __u64 ts; __u32 id; __u32 pad; };

/* Per-task rows of runqlat and cswitch: one 64-byte row (a cache line) per thread. tp_btf keeps live
 * rows in an mmapable array indexed by tid & (slots - 1), tid 0 marking a free slot; rows of threads
 * that exited during the window, tids colliding with a live slot and every classic-fallback row go
 * to a hash keyed by tid. */
#define ROW_SLOTS_MAX 65536
struct lat_row {           /* runqlat per task */
	__u64 tid;             /* 64 bits: claimed with a 64-bit compare-and-swap */
	__u64 count, sum_ns, max_ns;
	char comm[16];
	__u32 tgid, flags;
	__u64 start_time;      /* kernel-counter rows: the task's start_time (a reused tid is another task); else 0 */
};
/* lat_row.flags: max_ns is only an upper bound of the window's largest wait (kernel counters). */
#define LAT_MAX_BOUND 1

struct switch_row {        /* cswitch per task */
	__u64 tid;
	__u64 voluntary, involuntary, migrations;
	char comm[16];
	__u32 tgid, pad;
	__u64 start_time;      /* kernel-counter rows: as lat_row.start_time */
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
