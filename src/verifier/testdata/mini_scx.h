/* A self-contained stand-in for the kit headers, so inspector/rules unit tests compile real BPF
 * objects with clang-19 without the VM kit. Layout of the fields used matches struct sched_ext_ops. */
typedef unsigned long long u64; typedef unsigned int u32; typedef int s32;
#define SEC(n) __attribute__((section(n), used))
#define __ksym __attribute__((section(".ksyms")))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
struct task_struct;
struct sched_ext_ops {
	s32 (*select_cpu)(struct task_struct *p, s32 prev_cpu, u64 wake_flags);
	void (*enqueue)(struct task_struct *p, u64 enq_flags);
	void (*dequeue)(struct task_struct *p, u64 deq_flags);
	void (*dispatch)(s32 cpu, struct task_struct *prev);
	void (*running)(struct task_struct *p);
	void (*stopping)(struct task_struct *p, int runnable);
	s32 (*init)(void);
	u64 flags;
	u32 timeout_ms;
	char name[128];
};
extern void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym;
extern int scx_bpf_consume(u64 dsq_id) __ksym;
extern s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
extern void bpf_secret_kfunc(void) __ksym;
extern void bpf_send_signal_task(struct task_struct *p, int sig) __ksym;
static long (*bpf_probe_write_user)(void *dst, const void *src, u32 len) = (void *) 36;
static u64 (*bpf_ktime_get_ns)(void) = (void *) 5;
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
static long (*bpf_skb_store_bytes)(void *skb, u32 off, const void *from, u32 len, u64 flags) = (void *) 9;
