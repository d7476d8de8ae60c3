// Real probes on this kernel: each is attached, a workload the test starts causes known events,
// and the probe must see them. Afterwards no loader process and no BPF program may remain.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ourLoaders } from '../../../test/helpers/probe-loaders.js';
import { attachFeatureTest } from './feature-test.js';
import { ProbeStream } from './protocol.js';
import { runProbeLoader, validateProbeRequest, type ProbeRequest, type ProbeRunResult } from './runner.js';

const tmp = mkdtempSync(join(tmpdir(), 'schedcp-probe-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
// Private copies with unique command names, so comm filters see only this file's workloads even
// when other test files run hackbench or dd at the same time.
const HB = join(tmp, `hb${process.pid}`.slice(0, 15));
const DD = join(tmp, `dd${process.pid}`.slice(0, 15));
const YES = join(tmp, `ye${process.pid}`.slice(0, 15));
copyFileSync('/usr/bin/hackbench', HB); chmodSync(HB, 0o755);
copyFileSync('/bin/dd', DD); chmodSync(DD, 0o755);
copyFileSync('/usr/bin/yes', YES); chmodSync(YES, 0o755);
const comm = (path: string) => path.split('/').pop()!;

/** Run the probe; once attached, run `argv` to completion (the workload), then let the probe finish. */
async function probeDuring(req: ProbeRequest, argv: string[]): Promise<ProbeRunResult> {
  let workload: Promise<void> | undefined;
  const result = await runProbeLoader(req, {
    maxProbeSeconds: 60,
    onProgress: (done) => {
      if (done === 0 && !workload) {
        workload = new Promise((resolve, reject) => {
          const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', cwd: tmp });
          child.on('exit', () => resolve());
          child.on('error', reject);
        });
      }
    },
  });
  await workload;
  return result;
}


/** Which of these kernel program ids are still loaded. */
function stillLoaded(ids: readonly number[]): number[] {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as Array<{ id: number }>;
  const live = new Set(progs.map((p) => p.id));
  return ids.filter((id) => live.has(id));
}

/** Programs are freed asynchronously (RCU) after their last fd closes: allow a moment. */
async function remainingAfterExit(ids: readonly number[]): Promise<number[]> {
  for (let i = 0; i < 40; i++) {
    if (stillLoaded(ids).length === 0) return [];
    await new Promise((r) => setTimeout(r, 50));
  }
  return stillLoaded(ids);
}

describe('eBPF probes on this kernel', () => {
  it('proclife sees every fork, exec and exit the workload causes', async () => {
    // hackbench -g 1 -l 10: one group = 20 senders + 20 receivers forked by the hackbench process.
    const r = await probeDuring({ name: 'proclife', durationS: 1.5, comm: comm(HB), maxEvents: 1000 }, [HB, '-p', '-g', '1', '-l', '10']);
    expect(r.attach).toBe('tp_btf');
    const totals = r.data.totals as { fork: number; exec: number; exit: number };
    expect(totals.fork).toBeGreaterThanOrEqual(40);
    expect(totals.exit).toBeGreaterThanOrEqual(41);
    const forks = r.events.filter((e) => e.kind === 'fork');
    expect(forks.length).toBe(totals.fork);
    expect(new Set(forks.map((e) => e.ppid)).size).toBe(1);
    expect(r.overhead.runCount).toBeGreaterThan(0);
    expect(r.overhead.nsPerEvent).toBeGreaterThan(0);
    expect(r.progIds.length).toBe(3);
    expect(await remainingAfterExit(r.progIds)).toEqual([]);
  });

  it('pagefaults counts at least one minor fault per page the workload touches', async () => {
    // dd with a 64 MiB block allocates and fills the buffer: 16384 fresh 4 KiB pages.
    const r = await probeDuring({ name: 'pagefaults', durationS: 1.5, comm: comm(DD) }, [DD, 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    const totals = r.data.totals as { minor: number; major: number };
    expect(totals.minor).toBeGreaterThanOrEqual(16384);
    expect((r.data.top_tasks as Array<{ comm: string }>).every((t) => t.comm === comm(DD))).toBe(true);
  });

  it('syscalls counts the reads and writes dd makes', async () => {
    const r = await probeDuring({ name: 'syscalls', durationS: 1.5, comm: comm(DD) }, [DD, 'if=/dev/zero', 'of=/dev/null', 'bs=4k', 'count=5000']);
    expect(r.data.mode).toBe('counting');
    expect(r.progIds.length).toBe(1); // sys_enter only
    const calls = r.data.syscalls as Array<{ syscall: string; count: number }>;
    expect(calls.find((c) => c.syscall === 'read')!.count).toBeGreaterThanOrEqual(5000);
    expect(calls.find((c) => c.syscall === 'write')!.count).toBeGreaterThanOrEqual(5000);
    expect(r.data.loader_excluded).toBe(true);
    // No filter at all: the program reads nothing of current and says the loader is counted too.
    const all = await probeDuring({ name: 'syscalls', durationS: 1.5 }, [DD, 'if=/dev/zero', 'of=/dev/null', 'bs=4k', 'count=5000']);
    expect(all.data.loader_excluded).toBe(false);
    expect((all.data.syscalls as Array<{ syscall: string; count: number }>).find((c) => c.syscall === 'read')!.count).toBeGreaterThanOrEqual(5000);
  });

  it('runqlat and cswitch see the scheduling of a hackbench run, rows of exited tasks included', async () => {
    // hackbench's 80 tasks exit inside the window: their rows come from the final-switch flush, and
    // unsampled, the rows add up to the histogram and the totals exactly.
    const lat = await probeDuring({ name: 'runqlat', durationS: 1.5, comm: comm(HB), sampling: 'off', topN: 500 }, [HB, '-p', '-g', '2', '-l', '50']);
    const buckets = (lat.data.histogram as { buckets: Array<{ count: number }> }).buckets;
    const waits = buckets.reduce((a, b) => a + b.count, 0);
    expect(waits).toBeGreaterThan(40);
    const latRows = lat.data.top_tasks as Array<{ comm: string; count: number }>;
    expect(latRows.every((t) => t.comm === comm(HB))).toBe(true);
    // Every one of the 80 tasks exits inside the window, so rows exist only through the final-switch flush;
    // a task that never waited on a run queue has no row (CI once saw 78), hence most, not all.
    expect(latRows.length).toBeGreaterThanOrEqual(64);
    expect(latRows.reduce((a, t) => a + t.count, 0)).toBe(waits);
    expect(lat.sampling).toMatchObject({ mode: 'off', sampled: false, sampleEvery: 1 });
    expect(lat.data.rows_source).toBe('events'); // a comm can change in the window: counted per event
    const sw = await probeDuring({ name: 'cswitch', durationS: 1.5, comm: comm(HB), sampling: 'off', topN: 500 }, [HB, '-p', '-g', '2', '-l', '50']);
    const totals = sw.data.totals as { voluntary: number; involuntary: number; migrations: number };
    expect(totals.voluntary).toBeGreaterThan(80);
    const swRows = sw.data.top_tasks as Array<{ pid: number; voluntary: number; involuntary: number; migrations: number }>;
    expect(sw.data.rows_source).toBe('kernel_counters');
    expect(new Set(swRows.map((t) => t.pid)).size).toBe(swRows.length); // live and exited rows merged, none twice
    expect(swRows.reduce((a, t) => a + t.voluntary + t.involuntary + t.migrations, 0)).toBe(totals.voluntary + totals.involuntary + totals.migrations);
  });

  it('runqlat without a comm or cgroup filter takes per-task rows from the kernel\'s sched_info counters', async () => {
    const lat = await probeDuring({ name: 'runqlat', durationS: 1.5, sampling: 'off', topN: 5000 }, [HB, '-p', '-g', '2', '-l', '50']);
    expect(lat.data.rows_source).toBe('sched_info_counters');
    const rows = lat.data.top_tasks as Array<{ pid: number; comm: string; count: number; total_wait_ns: number; max_wait_ns: number | null; max_wait_at_most_ns?: number }>;
    const hb = rows.filter((t) => t.comm === comm(HB));
    expect(hb.length).toBeGreaterThanOrEqual(64); // 80 tasks, all exited: rows from their final switch-out
    expect(new Set(rows.map((t) => t.pid)).size).toBe(rows.length); // live and exited rows merged, none twice
    // forked inside the window, so sched_info started at 0 and the lifetime max is the window's
    for (const t of hb) expect(t.max_wait_ns!).toBeGreaterThanOrEqual(t.total_wait_ns / t.count / 2);
    for (const t of rows) if (t.max_wait_ns === null) expect(t.max_wait_at_most_ns).toBeGreaterThan(0);
    expect(rows.some((t) => t.comm === 'runqlat')).toBe(false); // the loader never counts itself
    // pcount counts the waits the histogram measures; only the edges of the window can differ
    const waits = (lat.data.histogram as { buckets: Array<{ count: number }> }).buckets.reduce((a, b) => a + b.count, 0);
    const counted = rows.reduce((a, t) => a + t.count, 0);
    expect(Math.abs(counted - waits)).toBeLessThanOrEqual(Math.max(20, waits * 0.02));

    // exact_task_max: the same run counted per event, so every task (long-lived ones too) has its max
    const exact = await probeDuring({ name: 'runqlat', durationS: 1.5, sampling: 'off', topN: 5000, exactTaskMax: true }, [HB, '-p', '-g', '2', '-l', '50']);
    expect(exact.data.rows_source).toBe('events');
    const exactRows = exact.data.top_tasks as typeof rows;
    expect(exactRows.filter((t) => t.comm === comm(HB)).length).toBeGreaterThanOrEqual(64);
    for (const t of exactRows) {
      expect(t.max_wait_ns, t.comm).not.toBeNull();
      expect(t.max_wait_ns!).toBeGreaterThanOrEqual(t.total_wait_ns / t.count);
      expect(t.max_wait_ns!).toBeLessThanOrEqual(t.total_wait_ns);
    }
    expect(() => validateProbeRequest({ name: 'cswitch', durationS: 1, exactTaskMax: true }, 60)).toThrow(/runqlat probe only, not "cswitch"/);
  });

  it('samples 1 in N when asked, says so, and scales the estimates', async () => {
    const spinners = [0, 1].map(() => spawn('taskset', ['-c', '0', YES], { stdio: 'ignore' }));
    try {
      await new Promise((r) => setTimeout(r, 200));
      // 2 spinners sharing CPU 0 switch ~250 times/s: fixed N=4 keeps about a quarter of the rows
      // (cswitch counts events only on the classic fallback; with tp_btf it reads kernel counters).
      const sw = await runProbeLoader({ name: 'cswitch', durationS: 1.5, comm: comm(YES), sampling: 4, attach: 'tracepoint' }, { maxProbeSeconds: 60 });
      expect(sw.sampling).toMatchObject({ mode: 'fixed', sampled: true, sampleEvery: 4, fromMs: 0 });
      const totals = sw.data.totals as { involuntary: number };
      const recorded = sw.data.rows_recorded as number;
      expect(totals.involuntary).toBeGreaterThan(100);
      expect(recorded).toBeGreaterThan(totals.involuntary / 12);
      expect(recorded).toBeLessThan(totals.involuntary / 2);
      expect(sw.data.scale as number).toBeCloseTo(totals.involuntary / recorded, 2);
      // tp_btf: the kernel's own per-task counters, exact at no per-event cost, so nothing is sampled
      const exact = await runProbeLoader({ name: 'cswitch', durationS: 1, comm: comm(YES), sampling: 4 }, { maxProbeSeconds: 60 });
      expect(exact.data.rows_source).toBe('kernel_counters');
      expect(exact.sampling).toMatchObject({ mode: 'fixed', sampled: false, sampleEvery: 1 });
      expect((exact.data.totals as { involuntary: number }).involuntary).toBeGreaterThan(100);
      expect(exact.data.scale).toBe(1);
      const lat = await runProbeLoader({ name: 'runqlat', durationS: 1.5, comm: comm(YES), sampling: 4 }, { maxProbeSeconds: 60 });
      const seen = lat.data.waits_seen as number;
      const kept = lat.data.waits_recorded as number;
      expect(kept).toBeLessThan(seen / 2);
      expect(kept).toBeGreaterThan(seen / 12);
      // the histogram is scaled back to every wait seen (rounding per bucket)
      const hist = (lat.data.histogram as { buckets: Array<{ count: number }> }).buckets.reduce((a, b) => a + b.count, 0);
      expect(Math.abs(hist - seen)).toBeLessThanOrEqual(32);
    } finally {
      for (const s of spinners) { s.kill('SIGKILL'); await new Promise((r) => (s.exitCode !== null ? r(undefined) : s.once('exit', r))); }
    }
  });

  it('starts sampling by itself above the event-rate threshold, not below it', async () => {
    // Every context switch on the host is eligible without filters; 1000/s is far below what a
    // hackbench run causes, so auto sampling must start, after a first exact measurement window.
    const hot = await probeDuring({ name: 'runqlat', durationS: 1.5, sampleAbovePerS: 1000 }, [HB, '-p', '-g', '2', '-l', '200']);
    expect(hot.sampling?.mode).toBe('auto');
    expect(hot.sampling?.sampled).toBe(true);
    expect(hot.sampling!.sampleEvery).toBeGreaterThanOrEqual(2);
    expect(hot.sampling!.fromMs).toBeGreaterThan(0);
    expect(hot.sampling!.thresholdEventsPerS).toBe(1000);
    // the default threshold (250k/s) is not reached by one dd on a comm filter
    const cold = await probeDuring({ name: 'runqlat', durationS: 1, comm: comm(DD) }, [DD, 'if=/dev/zero', 'of=/dev/null', 'bs=4k', 'count=100']);
    expect(cold.sampling).toMatchObject({ mode: 'auto', sampled: false, sampleEvery: 1 });
    expect(() => validateProbeRequest({ name: 'cswitch', durationS: 1, sampling: 3 }, 60)).toThrow(/power of two from 2 to 1024/);
    expect(() => validateProbeRequest({ name: 'biolat', durationS: 1, sampling: 'off' }, 60)).toThrow(/does not sample/);
    expect(() => validateProbeRequest({ name: 'runqlat', durationS: 1, latency: true }, 60)).toThrow(/syscalls probe only/);
  });

  it('syscalls latency mode adds errors, latency and per-process rows', async () => {
    const r = await probeDuring({ name: 'syscalls', durationS: 1.5, comm: comm(DD), latency: true, sampling: 'off' }, [DD, 'if=/dev/zero', 'of=/dev/null', 'bs=4k', 'count=3000']);
    expect(r.data.mode).toBe('latency');
    expect(r.overhead.runCount).toBeGreaterThanOrEqual(12000); // enter + exit
    const calls = r.data.syscalls as Array<{ syscall: string; count: number; total_ns: number; errors: number }>;
    const read = calls.find((c) => c.syscall === 'read')!;
    expect(read.count).toBeGreaterThanOrEqual(3000);
    expect(read.total_ns).toBeGreaterThan(0);
    const rows = r.data.top_process_syscalls as Array<{ comm: string; count: number }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.comm === comm(DD))).toBe(true);
  });

  // Two CPU-bound tasks pinned to one CPU never block: every switch between them is a preemption,
  // and their every wait on the run queue starts with one. Both attach types must see that (the
  // classic sched_switch tracepoint reports a preempted task's prev_state as TASK_REPORT_MAX, not 0).
  for (const attach of ['tp_btf', 'tracepoint'] as const) {
    it(`cswitch and runqlat count preemptions as involuntary switches and run-queue waits (${attach})`, async () => {
      const spinners = [0, 1].map(() => spawn('taskset', ['-c', '0', YES], { stdio: 'ignore' }));
      try {
        await new Promise((r) => setTimeout(r, 200));
        const sw = await runProbeLoader({ name: 'cswitch', durationS: 1, comm: comm(YES), attach, topN: 500 }, { maxProbeSeconds: 60 });
        expect(sw.attach).toBe(attach);
        const totals = sw.data.totals as { voluntary: number; involuntary: number };
        expect(totals.involuntary).toBeGreaterThan(10);
        expect(totals.involuntary).toBeGreaterThan(totals.voluntary);
        expect((sw.data.top_tasks as Array<{ comm: string }>).every((t) => t.comm === comm(YES))).toBe(true);
        const lat = await runProbeLoader({ name: 'runqlat', durationS: 1, comm: comm(YES), attach }, { maxProbeSeconds: 60 });
        const waits = (lat.data.top_tasks as Array<{ count: number }>).reduce((a, t) => a + t.count, 0);
        expect(waits).toBeGreaterThan(10);
      } finally {
        for (const s of spinners) { s.kill('SIGKILL'); await new Promise((r) => (s.exitCode !== null ? r(undefined) : s.once('exit', r))); }
      }
    });
  }

  it('biolat sees direct writes to disk', async () => {
    // The window must outlast dd even when the disk is busy (in CI it runs right after the kit
    // build deletes a 3 GB tree): a 2 s window once saw only 43 of the 64 writes.
    const r = await probeDuring({ name: 'biolat', durationS: 6 }, ['dd', 'if=/dev/zero', `of=${join('/var/tmp', `schedcp-biolat-${process.pid}`)}`, 'bs=64k', 'count=64', 'oflag=direct']);
    rmSync(join('/var/tmp', `schedcp-biolat-${process.pid}`), { force: true });
    expect((r.data.ops as { write: { count: number } }).write.count).toBeGreaterThanOrEqual(64);
  });

  it('falls back to classic tracepoints in a private tracefs mount and leaves no mount behind', async () => {
    const before = readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(' tracefs ')).length;
    const r = await probeDuring({ name: 'proclife', durationS: 1, attach: 'tracepoint', comm: 'true' }, ['true']);
    expect(r.attach).toBe('tracepoint');
    expect((r.data.totals as { exec: number }).exec).toBeGreaterThanOrEqual(1);
    expect(readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(' tracefs ')).length).toBe(before);
  });

  it('rejects bad requests with what is allowed, before starting anything', () => {
    expect(() => validateProbeRequest({ name: 'opensnoop', durationS: 1 }, 60)).toThrow(/Unknown probe "opensnoop". Available probes: runqlat, cswitch, syscalls, pagefaults, biolat, proclife/);
    expect(() => validateProbeRequest({ name: 'runqlat', durationS: 61 }, 60)).toThrow(/exceeds the cap of 60 s/);
    expect(() => validateProbeRequest({ name: 'runqlat', durationS: 1, pid: 4_194_000 }, 60)).toThrow(/pid "4194000" does not exist/);
    expect(() => validateProbeRequest({ name: 'biolat', durationS: 1, pid: 1 }, 60)).toThrow(/cannot filter by pid/);
    expect(() => validateProbeRequest({ name: 'runqlat', durationS: 1, cgroup: '/etc' }, 60)).toThrow(/not a cgroup v2 directory/);
    expect(() => validateProbeRequest({ name: 'runqlat', durationS: 1, comm: 'x'.repeat(16) }, 60)).toThrow(/1\.\.15 printable/);
  });

  const cgroup2Mount = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[2] === 'cgroup2')?.[1];
  // Without a cgroup2 mount there is nothing to filter by: reported as skipped, not passed.
  it.skipIf(!cgroup2Mount)('filters by cgroup v2 id: only tasks of that cgroup are counted', async () => {
    const v2 = cgroup2Mount!;
    const dir = join(v2, `schedcp-probe-test-${process.pid}`);
    mkdirSync(dir);
    const dd = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=512', 'count=2000000000'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'cgroup.procs'), String(dd.pid));
      const r = await runProbeLoader({ name: 'syscalls', durationS: 0.5, cgroup: dir, latency: true }, { maxProbeSeconds: 60 });
      const rows = r.data.top_process_syscalls as Array<{ tgid: number; count: number }>;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.tgid === dd.pid)).toBe(true);
    } finally {
      dd.kill('SIGKILL');
      await new Promise((resolve) => dd.once('exit', resolve));
      rmdirSync(dir);
    }
  });

  it('is killed on cancel with nothing left attached', async () => {
    const controller = new AbortController();
    let ids: number[] = [];
    const run = runProbeLoader({ name: 'runqlat', durationS: 30 }, {
      maxProbeSeconds: 60, signal: controller.signal,
      onAttached: (info) => { ids = info.progIds; expect(stillLoaded(ids)).toEqual(ids); controller.abort(); },
    });
    await expect(run).rejects.toThrow(/cancelled/);
    expect(ids.length).toBeGreaterThan(0); // 1 (sched_switch) with sched_info, else 3
    expect(await remainingAfterExit(ids)).toEqual([]);
    expect(ourLoaders()).toEqual([]);
  });

  it('attach-tests tp_btf, raw_tp, fentry and kprobe for host_capabilities', async () => {
    const t = await attachFeatureTest();
    expect(t?.tp_btf?.ok).toBe(true);
    for (const key of ['raw_tp', 'fentry', 'kprobe'] as const) expect(t?.[key]?.reason).toMatch(/attach test passed|failed/);
  });

  it('parses the loader protocol and ignores noise', () => {
    const s = new ProbeStream();
    expect(s.push('not json')).toBeUndefined();
    expect(s.push('{"type":"attached","probe":"x","attach":"tracepoint","attach_ms":3.5,"fallback_reason":"tp_btf load failed","prog_ids":[7,8]}')).toBe('attached');
    s.push('{"type":"event","kind":"fork","pid":5}');
    s.push('{"type":"result","probe":"x","attach":"tracepoint","duration_ms":10,"interrupted":false,"events_dropped":2,"max_rss_kb":900,"data":{"a":1},"overhead":{"run_time_ns":100,"run_cnt":4,"ns_per_event":25,"events_per_s":400}}');
    expect(s.events).toEqual([{ kind: 'fork', pid: 5 }]);
    expect(s.result).toMatchObject({ attach: 'tracepoint', attachMs: 3.5, fallbackReason: 'tp_btf load failed', eventsDropped: 2, loaderMaxRssKb: 900, progIds: [7, 8], overhead: { runTimeNs: 100, runCount: 4, nsPerEvent: 25, eventsPerS: 400 } });
    expect(s.result?.sampling).toBeUndefined();
    const t = new ProbeStream();
    t.push('{"type":"result","probe":"x","attach":"tp_btf","duration_ms":10,"interrupted":false,"data":{},"sampling":{"mode":"auto","sampled":true,"sample_every":8,"from_ms":50.5,"threshold_events_per_s":250000},"overhead":{}}');
    expect(t.result?.sampling).toEqual({ mode: 'auto', sampled: true, sampleEvery: 8, fromMs: 50.5, thresholdEventsPerS: 250000 });
  });
});
