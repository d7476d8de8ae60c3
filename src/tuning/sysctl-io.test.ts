import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from './kb.js';
import { HostSysctlTarget, NetnsSysctlTarget, mountOptionsFor, targetFromSpec } from './sysctl-io.js';

const kb = new Map(loadKnowledgeBase().map((t) => [t.key, t]));
const root = mkdtempSync(join(tmpdir(), 'schedcp-sysctl-io-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('sysctl I/O', () => {
  it('finds a read-only /proc/sys in mountinfo (container layout)', () => {
    const container = [
      '600 500 0:60 / / rw,relatime - overlay overlay rw',
      '601 600 0:62 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
      '602 601 0:62 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw',
    ].join('\n');
    expect(mountOptionsFor(container, '/proc/sys')).toContain('ro');
    expect(mountOptionsFor(container, '/proc/sys/vm')).toContain('ro');
    expect(mountOptionsFor(container, '/proc/self')).not.toContain('ro');
    expect(mountOptionsFor(readFileSync('/proc/self/mountinfo', 'utf8'), '/proc/sys')).toBeDefined();
  });

  it('reads /proc/sys under a configurable root, falls back to debugfs, and never creates files', async () => {
    const proc = join(root, 'proc-sys');
    const debug = join(root, 'debug');
    mkdirSync(join(proc, 'vm'), { recursive: true });
    mkdirSync(join(debug, 'sched'), { recursive: true });
    writeFileSync(join(proc, 'vm', 'swappiness'), '60\n');
    writeFileSync(join(debug, 'sched', 'base_slice_ns'), '3000000\n');
    const target = new HostSysctlTarget({ procRoot: proc, debugfsRoot: debug });
    const values = await target.readMany([kb.get('vm.swappiness')!, kb.get('kernel.sched_base_slice_ns')!, kb.get('vm.dirty_ratio')!]);
    expect(Object.fromEntries(values)).toEqual({ 'vm.swappiness': '60', 'kernel.sched_base_slice_ns': '3000000', 'vm.dirty_ratio': undefined });
    await target.write(kb.get('kernel.sched_base_slice_ns')!, '1500000');
    expect(readFileSync(join(debug, 'sched', 'base_slice_ns'), 'utf8')).toBe('1500000\n');
    await expect(target.write(kb.get('vm.dirty_ratio')!, '10')).rejects.toThrow(/does not exist on this kernel/);
    expect(existsSync(join(proc, 'vm', 'dirty_ratio'))).toBe(false);
    expect(new HostSysctlTarget({ procRoot: proc, debugfsRoot: join(root, 'nope') }).absentReason(kb.get('kernel.sched_base_slice_ns')!)).toMatch(/debugfs is not mounted/);
  });

  it('reads the real host /proc/sys without writing', async () => {
    const values = await new HostSysctlTarget().readMany([kb.get('vm.swappiness')!, kb.get('net.ipv4.tcp_rmem')!]);
    expect(values.get('vm.swappiness')).toMatch(/^\d+$/);
    expect(values.get('net.ipv4.tcp_rmem')).toMatch(/^\d+ \d+ \d+$/);
  });

  it('rejects bad target specs and namespace names', () => {
    expect(() => targetFromSpec('container:x')).toThrow(/use "host" or "netns:<name>"/);
    expect(() => new NetnsSysctlTarget('../etc')).toThrow(/Network namespace name "..\/etc" is invalid/);
  });
});
