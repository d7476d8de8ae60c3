import { createApp } from '../../app.js';
import { SchedcpError, quote } from '../../errors.js';
import { tuningOf, type Signal } from '../../tuning/index.js';
import { signalSchema } from '../../tuning/tool-schemas.js';
import { parseIntFlag, parseSetFlags } from '../../tuning/cli-args.js';
import type { CliCommand, CliIo } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const USAGE = `Usage: schedcp tune <subcommand> [options]

  list      [--area sched|vm|net] [--query TEXT] [--target T]   tunables, current values, safe ranges
  explain   KEY [--target T]                                     one tunable in full
  recommend [--signals FILE.json] [--window-ms N] [--target T]   rule-based proposals from signals
  validate  --set KEY=VALUE... [--target T]                      guardrail check, nothing written
  apply     --set KEY=VALUE... [--mode advise|stage|live] [--target T] [--rollout all|one_by_one]
            [--guard-workload W --guard-trials N --max-regression-pct P] [--reclaim-yielded]
  rollback  --backup ID | --plan ID                              restore values saved before a live plan
  history   [--plan ID] [--limit N] [--target T]

Targets: "host" (default) or "netns:<name>" (net.* inside a network namespace).
Live mode needs config.tuning.liveApply=true and root. Add --json for machine-readable output.`;

export const tuneCommand: CliCommand = {
  name: 'tune',
  summary: 'Kernel tunables: list, explain, recommend, validate, apply (advise/stage/live), rollback, history',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs(rest, {
      area: { type: 'string' }, query: { type: 'string' }, target: { type: 'string' }, signals: { type: 'string' },
      'window-ms': { type: 'string' }, set: { type: 'string', multiple: true }, mode: { type: 'string' }, rollout: { type: 'string' },
      'guard-workload': { type: 'string' }, 'guard-trials': { type: 'string' }, 'max-regression-pct': { type: 'string' },
      'reclaim-yielded': { type: 'boolean' }, backup: { type: 'string' }, plan: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' },
    }, true);
    const subs = ['list', 'explain', 'recommend', 'validate', 'apply', 'rollback', 'history'];
    if (!sub || !subs.includes(sub)) throw new SchedcpError('invalid_argument', `Unknown tune subcommand ${quote(sub ?? '')}; use one of ${subs.join(', ')}.`);
    const target = values.target;
    const app = createApp();
    const print = (value: unknown, text: () => string) => io.out(values.json ? JSON.stringify(value, null, 2) : text());
    try {
      const tuning = tuningOf(app);
      switch (sub) {
        case 'list': {
          if (values.area && !['sched', 'vm', 'net'].includes(values.area)) throw new SchedcpError('invalid_argument', `--area ${quote(values.area)} must be sched, vm or net.`);
          const r = await tuning.list({ ...(values.area && { area: values.area as 'sched' }), ...(values.query && { query: values.query }), ...(target && { target }) });
          print(r, () => r.tunables.map((t) => `${t.key.padEnd(38)} ${(t.present ? t.current! : '(absent)').padEnd(26)} ${t.allowedRange}${t.allowed ? '' : '  [not allowed by config]'}`).join('\n'));
          return 0;
        }
        case 'explain': {
          if (positionals.length !== 1) throw new SchedcpError('invalid_argument', 'tune explain takes exactly one KEY.');
          const r = await tuning.explain(positionals[0]!, target);
          print(r, () => explainText(r.tunable, r.related));
          return 0;
        }
        case 'recommend': {
          const windowMs = parseIntFlag('window-ms', values['window-ms'], 100, 60_000);
          const signals = values.signals ? readSignalsFile(values.signals) : undefined;
          const r = await tuning.recommend({ ...(signals && { signals }), ...(windowMs !== undefined && { windowMs }), ...(target && { target }) });
          print(r, () => [...r.recommendations.map((x) => `${x.key}: ${x.from} → ${x.to}  (confidence ${x.confidence}, rule ${x.rule})\n    ${x.rationale}\n    expected: ${x.expectedEffect}`), ...r.notes.map((n) => `note: ${n}`)].join('\n') || 'No recommendations: no signal above its threshold.');
          return 0;
        }
        case 'validate': {
          const r = await tuning.validate({ changes: parseSetFlags(values.set), ...(target && { target }) });
          print(r, () => r.ok ? r.stagedText : r.denials.map((d) => `denied [${d.rule}] ${d.message}${d.allowed ? ` (allowed: ${d.allowed})` : ''}`).join('\n'));
          return r.ok ? 0 : 1;
        }
        case 'apply': return await apply(tuning, values, target, io);
        case 'rollback': {
          const backupId = parseIntFlag('backup', values.backup, 1, Number.MAX_SAFE_INTEGER);
          const planId = parseIntFlag('plan', values.plan, 1, Number.MAX_SAFE_INTEGER);
          if ((backupId === undefined) === (planId === undefined)) throw new SchedcpError('invalid_argument', 'Give exactly one of --backup ID or --plan ID.');
          const r = await tuning.rollback({ ...(backupId !== undefined && { backupId }), ...(planId !== undefined && { planId }) });
          print(r, () => r.keys.map((k) => `${k.key}: ${k.state}${k.detail ? ` (${k.detail})` : ` → ${k.to}`}`).join('\n'));
          return r.keys.every((k) => k.state === 'rolled_back') ? 0 : 1;
        }
        default: {
          const planId = parseIntFlag('plan', values.plan, 1, Number.MAX_SAFE_INTEGER);
          const r = await tuning.history({ limit: parseIntFlag('limit', values.limit, 1, 1000, 20)!, ...(planId !== undefined && { planId }), ...(target && { target }) });
          print(r, () => [...r.plans.map((p) => `plan ${p.id}  ${p.createdAt}  ${p.mode.padEnd(6)} ${p.target.padEnd(20)} ${p.status}`), ...r.events.slice(0, 20).map((e) => `  event ${e.ts} plan ${e.planId ?? '-'} ${e.kind} ${e.key ?? ''} ${e.detail}`)].join('\n') || '(no tuning history)');
          return 0;
        }
      }
    } finally {
      await app.close();
    }
  },
};

async function apply(tuning: ReturnType<typeof tuningOf>, values: Record<string, string | boolean | string[] | undefined>, target: string | undefined, io: CliIo): Promise<number> {
  const mode = (values.mode as string | undefined) ?? 'advise';
  if (!['advise', 'stage', 'live'].includes(mode)) throw new SchedcpError('invalid_argument', `--mode ${quote(mode)} must be advise, stage or live.`);
  const rollout = values.rollout as string | undefined;
  if (rollout && !['all', 'one_by_one'].includes(rollout)) throw new SchedcpError('invalid_argument', `--rollout ${quote(rollout)} must be all or one_by_one.`);
  const workload = values['guard-workload'] as string | undefined;
  const guard = workload ? {
    workload,
    trials: parseIntFlag('guard-trials', values['guard-trials'] as string | undefined, 1, 50, 5)!,
    maxRegressionPct: parseIntFlag('max-regression-pct', values['max-regression-pct'] as string | undefined, 0, 100, 5)!,
  } : undefined;
  const r = await tuning.apply({
    mode: mode as 'advise', changes: parseSetFlags(values.set as string[] | undefined), caller: 'cli', reclaimYielded: Boolean(values['reclaim-yielded']),
    ...(target && { target }), ...(guard && { guard }), ...(rollout && { rollout: rollout as 'all' }),
    onProgress: (done, total, message) => io.err(`[${done}/${total}] ${message}`),
  });
  if (values.json) { io.out(JSON.stringify(r, null, 2)); return 0; }
  if (r.live) io.out(`plan ${r.planId} on ${r.target}: ${r.live.status}\n${r.live.keys.map((k) => `  ${k.key}: ${k.from} → ${k.to}  ${k.state}${k.detail ? ` (${k.detail})` : ''}`).join('\n')}\nundo: schedcp tune rollback --plan ${r.planId}`);
  else io.out(`${r.stagedText}${r.stagedPath ? `# staged at ${r.stagedPath}\n` : ''}`);
  return r.live?.status === 'guard_rolled_back' ? 1 : 0;
}

function explainText(t: Awaited<ReturnType<ReturnType<typeof tuningOf>['explain']>>['tunable'], related: typeof t[]): string {
  return [
    `${t.key}: ${t.title}`,
    `  current: ${t.present ? `${t.current} (${t.location})` : `absent on this kernel (${t.availability})`}`,
    `  safe range: ${t.allowedRange}; default ${t.default}${t.maxStep ? `; max step ${[t.maxStep.abs && `±${t.maxStep.abs}`, t.maxStep.ratio && `×/÷${t.maxStep.ratio}`].filter(Boolean).join(' or ')}` : ''}`,
    `  affects: ${t.affects}`,
    `  risks: ${t.risks}`,
    `  network-namespaced: ${t.netns ? 'yes' : 'no'}; signals: ${t.signals.join(', ') || '-'}`,
    ...t.relations.map((r) => `  must hold: ${t.key} ${r.op} ${r.other} (${r.why}); ${r.other} is ${related.find((x) => x.key === r.other)?.current ?? 'absent'}`),
  ].join('\n');
}

/** --signals FILE: the same shape recommend_tunings accepts, checked the same way. */
function readSignalsFile(path: string): Signal[] {
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(path, 'utf8')); } catch (error) {
    throw new SchedcpError('invalid_argument', `--signals ${quote(path)} could not be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = z.array(signalSchema).max(16).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SchedcpError('invalid_argument', `--signals ${quote(path)} must hold an array of at most 16 signals ({name, severity, score, summary, evidence, at}); at ${issue.path.join('.') || '(root)'}: ${issue.message}.`);
  }
  return parsed.data;
}
