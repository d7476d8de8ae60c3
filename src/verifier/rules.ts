// The static rules (pure): given an inspected object and the rule data from verifier/rules.json,
// produce findings, per-program complexity metrics and the overhead estimate.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { ObjectReport, ProgramReport } from './inspect.js';

export interface Finding {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  line?: number;
  program?: string;
}

const rulesSchema = z.object({
  version: z.number(),
  helpers: z.object({
    allow: z.record(z.string().regex(/^\d+$/), z.string()),
    deny: z.record(z.string().regex(/^\d+$/), z.object({ name: z.string(), reason: z.string() })),
  }),
  kfuncs: z.object({ allowPrefixes: z.array(z.string()), allow: z.array(z.string()), deny: z.record(z.string(), z.string()) }),
  dsq: z.object({ insert: z.array(z.string()), consume: z.array(z.string()), create: z.array(z.string()) }),
  limits: z.object({
    timeoutMsCap: z.number().int().positive(), maxMapBytes: z.number().positive(), maxTotalMapBytes: z.number().positive(),
    assumeCpusForPercpu: z.number().int().positive(), maxInsnsPerProgram: z.number().int().positive(), warnInsnsPerProgram: z.number().int().positive(),
    maxStackBytes: z.number().int().positive(), warnStackBytes: z.number().int().positive(),
  }),
  overhead: z.object({
    nsPerInsn: z.number().positive(), nsPerHelperCall: z.number().nonnegative(), nsPerKfuncCall: z.number().nonnegative(),
    callsPerEvent: z.record(z.string(), z.number().nonnegative()), warnNsPerEvent: z.number().positive(),
  }),
});
export type Rules = z.infer<typeof rulesSchema>;


let cached: Rules | undefined;
/** verifier/rules.json, validated; a broken rules file is an infrastructure error, never a pass. */
export function loadRules(path = rulesPath()): Rules {
  if (cached && path === rulesPath()) return cached;
  const parsed = rulesSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`verifier rules ${path} are invalid: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  if (path === rulesPath()) cached = parsed.data;
  return parsed.data;
}

export function rulesPath(): string {
  // Source runs from src/verifier, the build from dist/src/verifier: the data lives at the repo root in both.
  const here = import.meta.dirname;
  const root = here.includes('/dist/') ? resolve(here, '..', '..', '..') : resolve(here, '..', '..');
  return resolve(root, 'verifier', 'rules.json');
}

const GPL_COMPATIBLE = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

export interface ProgramMetrics {
  name: string;
  op?: string;
  insns: number;
  /** Own instructions plus every subprogram it can call (each counted once). */
  reachableInsns: number;
  helperCalls: number;
  kfuncCalls: number;
  backEdges: number;
  stackBytes: number;
}

export interface OverheadEstimate {
  model: string;
  perOp: Array<{ op: string; program: string; insns: number; calls: number; nsPerCall: number; callsPerEvent: number; nsPerEvent: number }>;
  nsPerSchedulingEvent: number;
}

export interface RuleEvaluation { findings: Finding[]; ops: string[]; metrics: ProgramMetrics[]; overhead: OverheadEstimate }

function reachable(programs: ProgramReport[], root: ProgramReport): ProgramReport[] {
  const byName = new Map(programs.map((p) => [p.name, p]));
  const seen = new Map<string, ProgramReport>([[root.name, root]]);
  const stack = [root];
  while (stack.length > 0) {
    for (const callee of stack.pop()!.subprogCalls) {
      const p = byName.get(callee);
      if (p && !seen.has(callee)) { seen.set(callee, p); stack.push(p); }
    }
  }
  return [...seen.values()];
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

export function evaluateRules(report: ObjectReport, rules: Rules): RuleEvaluation {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  if (!report.license) add({ rule: 'license_missing', severity: 'error', message: 'The object has no "license" section. Add: char _license[] SEC("license") = "GPL"; (sched_ext programs must be GPL-compatible).' });
  else if (!GPL_COMPATIBLE.has(report.license)) add({ rule: 'license_not_gpl', severity: 'error', message: `License ${JSON.stringify(report.license)} is not GPL-compatible; the kernel refuses sched_ext programs without one. Allowed: ${[...GPL_COMPATIBLE].join(', ')}.` });
  if (!report.hasBtf) add({ rule: 'btf_missing', severity: 'error', message: 'The object has no .BTF section: compile with -g (struct_ops needs BTF).' });

  const sched = report.structOps.filter((s) => s.structName === 'sched_ext_ops');
  for (const other of report.structOps.filter((s) => s.structName !== 'sched_ext_ops')) {
    add({ rule: 'struct_ops_foreign', severity: 'error', message: `struct_ops variable ${other.variable} is a struct ${other.structName}; only struct sched_ext_ops is allowed.` });
  }
  if (sched.length === 0) add({ rule: 'struct_ops_missing', severity: 'error', message: 'No struct sched_ext_ops map found. Declare one with SCX_OPS_DEFINE(...) or SEC(".struct_ops.link") struct sched_ext_ops name_ops = {...}.' });
  if (sched.length > 1) add({ rule: 'struct_ops_multiple', severity: 'error', message: `The object defines ${sched.length} sched_ext_ops maps (${sched.map((s) => s.variable).join(', ')}); a policy must define exactly one.` });
  const ops = sched[0];
  if (ops) {
    if (!ops.name) add({ rule: 'ops_name_missing', severity: 'error', message: `struct sched_ext_ops ${ops.variable} has no .name; set .name = "..." (it names the scheduler in /sys/kernel/sched_ext).` });
    else if (!/^[A-Za-z0-9_]+$/.test(ops.name)) add({ rule: 'ops_name_invalid', severity: 'error', message: `.name ${JSON.stringify(ops.name)} may contain only letters, digits and _.` });
    if (ops.timeoutMs !== undefined && ops.timeoutMs > rules.limits.timeoutMsCap) {
      add({ rule: 'timeout_cap', severity: 'error', message: `.timeout_ms = ${ops.timeoutMs} exceeds the cap of ${rules.limits.timeoutMsCap} ms (verifier/rules.json limits.timeoutMsCap): a stalled policy must be ejected quickly. Use 0 (kernel default) or at most ${rules.limits.timeoutMsCap}.` });
    }
  }
  const opOf = new Map(Object.entries(ops?.ops ?? {}).map(([op, prog]) => [prog, op]));

  for (const p of report.programs) {
    for (const call of p.helperCalls) {
      const denied = rules.helpers.deny[String(call.id)];
      const where = { ...(call.line !== undefined ? { line: call.line } : {}), program: p.name };
      if (denied) add({ rule: 'helper_denied', severity: 'error', message: `${p.name} calls bpf_${denied.name} (helper ${call.id}): ${denied.reason}.`, ...where });
      else if (!rules.helpers.allow[String(call.id)]) add({ rule: 'helper_not_allowed', severity: 'error', message: `${p.name} calls BPF helper ${call.id}, which is not on the sched_ext allow-list (verifier/rules.json helpers.allow).`, ...where });
    }
    for (const call of p.kfuncCalls) {
      const where = { ...(call.line !== undefined ? { line: call.line } : {}), program: p.name };
      const denied = rules.kfuncs.deny[call.name];
      if (denied) add({ rule: 'kfunc_denied', severity: 'error', message: `${p.name} calls kfunc ${call.name}: ${denied}.`, ...where });
      else if (!rules.kfuncs.allow.includes(call.name) && !rules.kfuncs.allowPrefixes.some((x) => call.name.startsWith(x))) {
        add({ rule: 'kfunc_not_allowed', severity: 'error', message: `${p.name} calls kfunc ${call.name}, which is not on the allow-list (verifier/rules.json kfuncs: prefixes ${rules.kfuncs.allowPrefixes.join(', ')} and ${rules.kfuncs.allow.length} names).`, ...where });
      }
    }
    for (const edge of p.backEdges) {
      add({ rule: 'loop', severity: 'info', message: `${p.name} has a loop (back-edge at insn ${edge.insn} to ${edge.to}); the kernel verifier must prove it bounded.`, ...(edge.line !== undefined ? { line: edge.line } : {}), program: p.name });
    }
    if (p.insns > rules.limits.maxInsnsPerProgram) add({ rule: 'program_too_large', severity: 'error', message: `${p.name} has ${p.insns} instructions, above the limit of ${rules.limits.maxInsnsPerProgram}.`, program: p.name });
    else if (p.insns > rules.limits.warnInsnsPerProgram) add({ rule: 'program_large', severity: 'warning', message: `${p.name} has ${p.insns} instructions (warning above ${rules.limits.warnInsnsPerProgram}); it runs on every scheduling event it handles.`, program: p.name });
    if (p.stackBytes > rules.limits.maxStackBytes) add({ rule: 'stack_too_large', severity: 'error', message: `${p.name} uses about ${p.stackBytes} bytes of stack; BPF allows ${rules.limits.maxStackBytes}.`, program: p.name });
    else if (p.stackBytes > rules.limits.warnStackBytes) add({ rule: 'stack_large', severity: 'warning', message: `${p.name} uses about ${p.stackBytes} bytes of stack (limit ${rules.limits.maxStackBytes}; calls add their frames).`, program: p.name });
  }

  // A task inserted into a DSQ the policy created is only run once something moves it to a local DSQ.
  const allKfuncs = new Set(report.programs.flatMap((p) => p.kfuncCalls.map((k) => k.name)));
  const createsDsq = rules.dsq.create.some((k) => allKfuncs.has(k));
  const inserts = rules.dsq.insert.some((k) => allKfuncs.has(k));
  const dispatchProg = report.programs.find((p) => p.name === ops?.ops.dispatch);
  const consumesInDispatch = dispatchProg ? reachable(report.programs, dispatchProg).some((p) => p.kfuncCalls.some((k) => rules.dsq.consume.includes(k.name))) : false;
  if (createsDsq && inserts && !consumesInDispatch) {
    add({ rule: 'dsq_never_consumed', severity: 'warning', message: `The policy creates a DSQ and inserts tasks, but ${dispatchProg ? `ops.dispatch (${dispatchProg.name})` : 'no ops.dispatch'} never moves tasks from a DSQ to a local DSQ (${rules.dsq.consume.slice(0, 2).join(' / ')}): tasks queued on a custom DSQ would never run and the watchdog would eject the scheduler.` });
  }

  const totalMapBytes = report.maps.reduce((a, m) => a + m.bytes, 0);
  for (const m of report.maps) {
    if (m.bytes > rules.limits.maxMapBytes) add({ rule: 'map_too_large', severity: 'error', message: `Map ${m.name} (${m.typeName}, ${m.maxEntries} entries × ${m.keySize}+${m.valueSize} bytes${m.percpu ? ` × ${rules.limits.assumeCpusForPercpu} CPUs` : ''}) needs about ${kib(m.bytes)}, above the per-map budget of ${kib(rules.limits.maxMapBytes)}.` });
  }
  if (totalMapBytes > rules.limits.maxTotalMapBytes) add({ rule: 'maps_too_large', severity: 'error', message: `All maps together need about ${kib(totalMapBytes)}, above the budget of ${kib(rules.limits.maxTotalMapBytes)}.` });

  const metrics: ProgramMetrics[] = report.programs.map((p) => {
    const reach = reachable(report.programs, p);
    const op = opOf.get(p.name);
    return {
      name: p.name, ...(op ? { op } : {}), insns: p.insns, reachableInsns: reach.reduce((a, x) => a + x.insns, 0),
      helperCalls: reach.reduce((a, x) => a + x.helperCalls.length, 0), kfuncCalls: reach.reduce((a, x) => a + x.kfuncCalls.length, 0),
      backEdges: reach.reduce((a, x) => a + x.backEdges.length, 0), stackBytes: Math.max(...reach.map((x) => x.stackBytes)),
    };
  });
  const overhead = estimateOverhead(metrics, rules);
  if (overhead.nsPerSchedulingEvent > rules.overhead.warnNsPerEvent) {
    add({ rule: 'overhead_high', severity: 'warning', message: `Estimated scheduler overhead is ${overhead.nsPerSchedulingEvent.toFixed(0)} ns per scheduling event (warning above ${rules.overhead.warnNsPerEvent} ns); see the per-op breakdown.` });
  }
  return { findings, ops: Object.keys(ops?.ops ?? {}).sort(), metrics, overhead };
}

/** Upper-bound straight-line cost of the hot callbacks; loops counted once (see docs/verifier.md). */
export function estimateOverhead(metrics: ProgramMetrics[], rules: Rules): OverheadEstimate {
  const o = rules.overhead;
  const perOp = metrics.filter((m) => m.op && o.callsPerEvent[m.op] !== undefined).map((m) => {
    const calls = m.helperCalls + m.kfuncCalls;
    const nsPerCall = m.reachableInsns * o.nsPerInsn + m.helperCalls * o.nsPerHelperCall + m.kfuncCalls * o.nsPerKfuncCall;
    const callsPerEvent = o.callsPerEvent[m.op!]!;
    return { op: m.op!, program: m.name, insns: m.reachableInsns, calls, nsPerCall, callsPerEvent, nsPerEvent: nsPerCall * callsPerEvent };
  });
  return {
    model: `ns/event = Σ over hot ops [(insns × ${o.nsPerInsn} + helper calls × ${o.nsPerHelperCall} + kfunc calls × ${o.nsPerKfuncCall}) × calls per event]; insns are all instructions reachable from the op (straight-line upper bound, loop bodies counted once)`,
    perOp,
    nsPerSchedulingEvent: perOp.reduce((a, x) => a + x.nsPerEvent, 0),
  };
}
