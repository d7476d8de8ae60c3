// Inspector and rules against real BPF objects compiled here with clang-19 (a self-contained
// header in testdata/ stands in for the kit, so these run without the VM kit).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BpfObjectError, inspectObject, type ObjectReport } from './inspect.js';
import { evaluateRules, loadRules } from './rules.js';

const here = import.meta.dirname;
let dir: string;
const objects: Record<string, Buffer> = {};

function compile(name: string): Buffer {
  const out = join(dir, `${name}.bpf.o`);
  execFileSync('clang-19', ['-target', 'bpf', '-O2', '-g', '-Wall', '-c', join(here, 'testdata', `${name}.bpf.c`), '-o', out]);
  return readFileSync(out);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'schedcp-inspect-test-'));
  for (const name of ['good', 'bad']) objects[name] = compile(name);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inspectObject', () => {
  let good: ObjectReport;
  beforeAll(() => { good = inspectObject(objects.good!); });

  it('maps struct_ops members to programs and reads .name and .timeout_ms', () => {
    expect(good.structOps).toHaveLength(1);
    const ops = good.structOps[0]!;
    expect(ops.structName).toBe('sched_ext_ops');
    expect(ops.name).toBe('good');
    expect(ops.timeoutMs).toBe(5000);
    expect(ops.ops).toEqual({ enqueue: 'good_enqueue', dispatch: 'good_dispatch', init: 'good_init', running: 'good_running' });
    expect(good.license).toBe('GPL');
  });

  it('finds helper calls by id, kfunc calls by name and subprogram calls, with source lines', () => {
    const enqueue = good.programs.find((p) => p.name === 'good_enqueue')!;
    expect(enqueue.kfuncCalls.map((k) => k.name)).toEqual(['scx_bpf_dispatch']);
    expect(enqueue.subprogCalls).toEqual(['bump']);
    expect(enqueue.kfuncCalls[0]!.line).toBe(6);
    const bump = good.programs.find((p) => p.name === 'bump')!;
    expect(bump.kind).toBe('subprog');
    expect(bump.helperCalls.map((h) => h.id)).toEqual([1]);
  });

  it('detects loops (back-edges) and estimates stack use', () => {
    const running = good.programs.find((p) => p.name === 'good_running')!;
    expect(running.backEdges.length).toBeGreaterThan(0);
    expect(running.stackBytes).toBeGreaterThanOrEqual(64);
    expect(good.programs.find((p) => p.name === 'good_dispatch')!.backEdges).toHaveLength(0);
  });

  it('sizes BTF-defined maps (per-CPU maps times the assumed CPU count) and global data', () => {
    const counts = good.maps.find((m) => m.name === 'counts')!;
    expect(counts).toMatchObject({ typeName: 'array', maxEntries: 1024, keySize: 4, valueSize: 8, bytes: 8192 });
    expect(good.maps.find((m) => m.name === 'pcpu')!.bytes).toBe(4 * 8 * 64);
    expect(good.maps.find((m) => m.name === '.bss')!.bytes).toBe(8);
  });

  it('refuses files that are not BPF objects, saying what they are', () => {
    expect(() => inspectObject(Buffer.from('#include <scx/common.bpf.h>\n'))).toThrow(BpfObjectError);
    expect(() => inspectObject(readFileSync(process.execPath))).toThrow(/machine is 62/);
    expect(() => inspectObject(objects.good!.subarray(0, 200))).toThrow(/truncated|past the end/);
  });
});

describe('evaluateRules', () => {
  const rules = loadRules();

  it('passes a clean policy with only informational loop findings and an overhead estimate', () => {
    const result = evaluateRules(inspectObject(objects.good!), rules);
    expect(result.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(result.ops).toEqual(['dispatch', 'enqueue', 'init', 'running']);
    const enqueue = result.overhead.perOp.find((o) => o.op === 'enqueue')!;
    expect(enqueue.insns).toBe(14 + 14);
    expect(result.overhead.perOp.map((o) => o.op)).not.toContain('init');
    expect(result.overhead.nsPerSchedulingEvent).toBeCloseTo(result.overhead.perOp.reduce((a, o) => a + o.nsPerEvent, 0));
  });

  it('names every problem of a bad policy with its rule', () => {
    const result = evaluateRules(inspectObject(objects.bad!), rules);
    const byRule = (rule: string) => result.findings.filter((f) => f.rule === rule);
    expect(byRule('helper_denied')[0]!.message).toMatch(/bpf_probe_write_user.*writes user memory/);
    expect(byRule('helper_denied')[0]!.line).toBe(3);
    expect(byRule('helper_not_allowed')[0]!.message).toMatch(/helper 9/);
    expect(byRule('kfunc_not_allowed')[0]!.message).toMatch(/bpf_secret_kfunc/);
    expect(byRule('kfunc_denied')[0]!.message).toMatch(/bpf_send_signal_task/);
    expect(byRule('ops_name_missing')).toHaveLength(1);
    expect(byRule('timeout_cap')[0]!.message).toMatch(/60000 exceeds the cap of 10000/);
    expect(byRule('license_not_gpl')[0]!.message).toMatch(/Proprietary/);
    expect(byRule('map_too_large')[0]!.message).toMatch(/huge/);
    expect(byRule('dsq_never_consumed')).toHaveLength(1);
  });

  it('turns the limits in the rules data into findings (a tighter budget flags the good policy)', () => {
    const tight = { ...rules, limits: { ...rules.limits, maxMapBytes: 1024, warnInsnsPerProgram: 5 }, overhead: { ...rules.overhead, warnNsPerEvent: 1 } };
    const rulesHit = new Set(evaluateRules(inspectObject(objects.good!), tight).findings.map((f) => f.rule));
    expect(rulesHit).toEqual(new Set(['map_too_large', 'program_large', 'overhead_high', 'loop']));
  });
});
