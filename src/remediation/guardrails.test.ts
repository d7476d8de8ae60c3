import { describe, expect, it } from 'vitest';
import { checkCgroupPath, checkIoprio, checkKnobValue, checkNice, checkProcessTarget, checkRateLimit, checkTtl, type Limits } from './guardrails.js';
import { knobFileValues, knobFiles, parseProcCgroup } from './knobs.js';
import { parseIonice, parseStat } from './procfs.js';
import { classifyCgroupControllers } from '../host/cgroups.js';

const limits: Limits = { maxNiceStep: 10, minCpuPercent: 10, minCpuWeight: 10, minMemoryHighOfUsage: 0.5, maxTtlSeconds: 3600, rateLimit: { actions: 3, perSeconds: 60 } };
const info = { pid: 500, comm: 'job', ppid: 400, startTime: 1234, uid: 0, kernelThread: false, cpuTicks: 0 };
const target = (over: Partial<Parameters<typeof checkProcessTarget>[0]> = {}) => checkProcessTarget({ pid: 500, info, protectedPids: new Set([100, 1]), serverUid: 0, allowedUids: [], allowAnyUser: false, ...over }).map((r) => r.rule);

describe('remediation guardrails', () => {
  it('names the rule for each unsafe process target', () => {
    expect(target()).toEqual([]);
    expect(target({ pid: 1 })).toEqual(['pid_1']);
    expect(target({ info: undefined })).toEqual(['pid_not_found']);
    expect(target({ expectStartTime: 999 })).toEqual(['pid_reused']);
    expect(target({ info: { ...info, kernelThread: true } })).toEqual(['kernel_thread']);
    expect(target({ protectedPids: new Set([500]) })).toEqual(['schedcp_itself']);
    expect(target({ info: { ...info, uid: 1000 } })).toEqual(['other_user']);
    expect(target({ info: { ...info, uid: 1000 }, allowedUids: [1000] })).toEqual([]);
  });

  it('bounds nice, ioprio, knob values, TTL and rate', () => {
    expect(checkNice(0, 10, limits)).toEqual([]);
    expect(checkNice(0, 11, limits).map((r) => r.rule)).toEqual(['step']);
    expect(checkNice(5, -1, limits)[0]!.rule).toBe('range');
    expect(checkIoprio('realtime', 0)[0]!.rule).toBe('ioprio_class');
    expect(checkIoprio('best-effort', 8)[0]!.rule).toBe('range');
    expect(checkIoprio('idle', undefined)).toEqual([]);
    expect(checkKnobValue('cpu.max', 5, {}, limits)[0]!.rule).toBe('min_cpu_share');
    expect(checkKnobValue('cpu.weight', 5, {}, limits)[0]!.rule).toBe('min_cpu_share');
    expect(checkKnobValue('memory.max', 100, { memoryUsageBytes: 200 }, limits)[0]!.rule).toBe('memory_below_usage');
    expect(checkKnobValue('memory.high', 90, { memoryUsageBytes: 200 }, limits)[0]!.rule).toBe('step');
    expect(checkKnobValue('memory.high', 100, { memoryUsageBytes: 200 }, limits)).toEqual([]);
    expect(checkTtl(0, limits)[0]!.rule).toBe('ttl');
    expect(checkRateLimit('pid:5@1', 3, limits)[0]!.message).toMatch(/already had 3 actions in the last 60 s/);
  });

  it('checks cgroup paths against the allowed roots', () => {
    const rule = (p: string) => checkCgroupPath(p, ['/schedcp', '/batch.slice']).map((r) => r.rule);
    expect(rule('/batch.slice/job-1')).toEqual([]);
    expect(rule('/batch.slice')).toEqual([]);
    expect(rule('/batch.slice/../system.slice')).toEqual(['path_traversal']);
    expect(rule('/batch.slicex/a')).toEqual(['outside_allowed_roots']);
    expect(rule('batch.slice')).toEqual(['path_invalid']);
    expect(rule('/batch.slice//a')).toEqual(['path_invalid']);
  });
});

describe('one interface over cgroup v1 and v2', () => {
  it('maps knobs to files and values per version', () => {
    expect(knobFiles('cpu.max', 1)).toEqual(['cpu.cfs_period_us', 'cpu.cfs_quota_us']);
    expect(knobFileValues('cpu.max', 1, 25)).toEqual({ 'cpu.cfs_period_us': '100000', 'cpu.cfs_quota_us': '25000' });
    expect(knobFileValues('cpu.max', 2, 150)).toEqual({ 'cpu.max': '150000 100000' });
    expect(knobFileValues('cpu.weight', 1, 100)).toEqual({ 'cpu.shares': '1024' });
    expect(knobFileValues('memory.high', 1, 10_000)).toEqual({ 'memory.soft_limit_in_bytes': '8192' });
    expect(knobFileValues('io.weight', 1, 500)).toEqual({ 'blkio.weight': '50' });
    expect(knobFileValues('io.weight', 2, 500)).toEqual({ 'io.weight': 'default 500' });
  });

  it('detects the version per controller', () => {
    const mounts = ['cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0', 'cgroup /sys/fs/cgroup/blkio cgroup rw,blkio 0 0', 'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0'].join('\n');
    const v1 = classifyCgroupControllers(mounts, () => []);
    expect(v1.map((l) => [l.controller, l.version])).toEqual([['cpu', 1], ['memory', undefined], ['io', 1]]);
    const mixed = classifyCgroupControllers(mounts, () => ['memory', 'io']);
    expect(mixed.map((l) => [l.controller, l.version])).toEqual([['cpu', 1], ['memory', 2], ['io', 2]]);
  });

  it('parses /proc/<pid>/stat, /proc/<pid>/cgroup and ionice output', () => {
    const stat = parseStat('42 (a (b) c) S 7 42 42 0 -1 4194560 0 0 0 0 30 12 0 0 20 5 1 0 9876 0 0');
    expect(stat).toMatchObject({ pid: 42, comm: 'a (b) c', ppid: 7, cpuTicks: 42, nice: 5, startTime: 9876, kernelThread: false });
    expect(parseProcCgroup('4:memory:/a\n1:cpu,cpuacct:/b\n0::/c\n')).toEqual({ v2: '/c', v1: { memory: '/a', cpu: '/b', cpuacct: '/b' } });
    expect(parseIonice('best-effort: prio 7')).toBe('best-effort:7');
    expect(parseIonice('idle')).toBe('idle');
  });
});
