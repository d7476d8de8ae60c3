// `schedcp policies …`: the repository from the command line, through the same component functions
// the MCP tools call. Output is text by default, JSON with --json.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../app.js';
import { SchedcpError, quote } from '../../errors.js';
import { getPolicy, policyHistory, repositoryOf, searchPolicies, seedPolicies, submitPolicy, STATUSES, type PolicyStatus } from '../../repository/index.js';
import type { CliCommand, CliIo } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

const USAGE = `Usage:
  schedcp policies list [--status S[,S]] [--json]
  schedcp policies search QUERY [--limit N] [--status S[,S]] [--workload TAG] [--json]
  schedcp policies show NAME|ID [--version N] [--source] [--history] [--json]
  schedcp policies seed [--verify] [--perf] [--json]     load the built-in library; --verify runs the verifier (VM) on it
  schedcp policies import DIR | FILE.bpf.c --meta FILE.json [--parent NAME] [--no-static] [--json]
  schedcp policies status NAME|ID --set STATUS --reason TEXT   retire, quarantine or release a policy`;

const CLI_ACTOR = { caller: 'cli', transport: 'cli' as const };

function statuses(value: string | undefined): PolicyStatus[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!(STATUSES as readonly string[]).includes(s)) throw new SchedcpError('invalid_argument', `--status ${quote(s)} is not a status; use ${STATUSES.join(', ')}.`);
  return list as PolicyStatus[];
}

function positiveInt(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new SchedcpError('invalid_argument', `${flag} ${quote(value)} must be an integer from 1 to ${max}.`);
  return n;
}

function ref(arg: string | undefined, version?: number) {
  if (!arg) throw new SchedcpError('invalid_argument', `A policy name or id is required.\n${USAGE}`);
  return /^\d+$/.test(arg) ? { id: Number(arg) } : { name: arg, version };
}

type Sub = (argv: string[], io: CliIo) => Promise<number>;

const subcommands: Record<string, Sub> = {
  async list(argv, io) {
    const { values } = parseCommandArgs(argv, { status: { type: 'string' }, json: { type: 'boolean' } });
    return withApp(async (app) => {
      const repo = repositoryOf(app);
      await repo.ready();
      const list = repo.list({ status: statuses(values.status) });
      if (values.json) io.out(JSON.stringify(list.map(({ source: _s, ...p }) => p), null, 2));
      else for (const p of list) io.out(`${String(p.id).padStart(4)}  ${p.name.padEnd(24)} v${String(p.version).padEnd(3)} ${p.status.padEnd(11)} ${p.provenance.padEnd(15)} ${p.metadata.targetWorkloads.join(',')}`);
      return 0;
    });
  },
  async search(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { limit: { type: 'string' }, status: { type: 'string' }, workload: { type: 'string' }, json: { type: 'boolean' } }, true);
    return withApp(async (app) => {
      const r = await searchPolicies(app, { query: positionals.join(' '), limit: positiveInt('--limit', values.limit, 50) ?? 5, status: statuses(values.status), workload: values.workload });
      if (values.json) { io.out(JSON.stringify(r, null, 2)); return 0; }
      io.out(`embedding: ${r.embedding.provider} (${r.embedding.modelId}); ${r.timings.totalMs.toFixed(1)} ms`);
      r.hits.forEach((h, i) => io.out(`${i + 1}. ${h.name} v${h.version} [${h.status}]  ${h.summary}\n   why: ${h.reason}`));
      if (r.hits.length === 0) io.out('(no matches)');
      return 0;
    });
  },
  async show(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { version: { type: 'string' }, source: { type: 'boolean' }, history: { type: 'boolean' }, json: { type: 'boolean' } }, true);
    return withApp(async (app) => {
      await repositoryOf(app).ready();
      const r = ref(positionals[0], positiveInt('--version', values.version, 1_000_000));
      const p = getPolicy(app, r);
      const history = values.history ? policyHistory(app, { id: p.id }) : undefined;
      if (values.json) { io.out(JSON.stringify({ ...p, ...(values.source ? {} : { source: undefined }), history }, null, 2)); return 0; }
      io.out(`${p.name} v${p.version} (id ${p.id}) [${p.status}] ${p.provenance}\n\n${p.description}\n\nAlgorithm: ${p.metadata.algorithm}\nWorkloads: ${p.metadata.targetWorkloads.join(', ')}`);
      for (const t of p.metadata.tunables) io.out(`  tunable ${t.name} (${t.type}, default ${t.default}${t.min !== undefined ? `, ${t.min}..${t.max}` : ''}${t.unit ? ` ${t.unit}` : ''}): ${t.description}`);
      if (history) for (const c of history.statusChanges) io.out(`  ${c.at} ${c.from ?? '-'} → ${c.to}: ${c.reason} (${c.actor})`);
      if (values.source) io.out(`\n${p.source}`);
      return 0;
    });
  },
  async seed(argv, io) {
    const { values } = parseCommandArgs(argv, { verify: { type: 'boolean' }, perf: { type: 'boolean' }, json: { type: 'boolean' } });
    return withApp(async (app) => {
      const r = await seedPolicies(app, { verify: values.verify ?? false, perf: values.perf ?? false, onProgress: (d, t, m) => io.err(`[${d}/${t}] ${m}`) }, CLI_ACTOR);
      if (values.json) { io.out(JSON.stringify(r, null, 2)); return r.verifications?.some((v) => v.verdict === 'fail') ? 1 : 0; }
      io.out(`added: ${r.added.join(', ') || '-'}\nupdated: ${r.updated.join(', ') || '-'}\nunchanged: ${r.unchanged.join(', ') || '-'}`);
      for (const v of r.verifications ?? []) io.out(`${v.policy.padEnd(20)} ${v.verdict.padEnd(5)} ${v.stages.join(' ')} → ${v.status}${v.reason ? `  (${v.reason})` : ''}`);
      return r.verifications?.some((v) => v.verdict === 'fail') ? 1 : 0;
    });
  },
  async import(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { meta: { type: 'string' }, parent: { type: 'string' }, 'no-static': { type: 'boolean' }, json: { type: 'boolean' } }, true);
    const target = positionals[0];
    if (!target) throw new SchedcpError('invalid_argument', `import needs a policy folder or a .bpf.c file.\n${USAGE}`);
    if (!existsSync(target)) throw new SchedcpError('not_found', `${quote(target)} does not exist.`);
    const dir = statSync(target).isDirectory();
    const srcPath = dir ? join(target, 'policy.bpf.c') : target;
    const metaPath = dir ? join(target, 'policy.json') : values.meta;
    if (!metaPath) throw new SchedcpError('invalid_argument', 'Importing a single .bpf.c file needs --meta FILE.json.');
    for (const f of [srcPath, metaPath]) if (!existsSync(f)) throw new SchedcpError('not_found', `${quote(f)} does not exist.`);
    let metadata: unknown;
    try { metadata = JSON.parse(readFileSync(metaPath, 'utf8')); } catch (error) {
      throw new SchedcpError('invalid_argument', `${quote(metaPath)} is not valid JSON: ${(error as Error).message}`);
    }
    return withApp(async (app) => {
      const r = await submitPolicy(app, { source: readFileSync(srcPath, 'utf8'), metadata, parent: values.parent, provenance: 'imported', staticCheck: !values['no-static'] }, CLI_ACTOR);
      if (values.json) io.out(JSON.stringify(r, null, 2));
      else io.out(`imported ${r.name} v${r.version} (id ${r.id}) as ${r.status}; static stage: ${r.staticStage?.verdict ?? 'skipped'}`);
      return r.staticStage?.verdict === 'fail' ? 1 : 0;
    });
  },
  async status(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { set: { type: 'string' }, reason: { type: 'string' }, version: { type: 'string' } }, true);
    const to = statuses(values.set)?.[0];
    if (!to || !values.reason) throw new SchedcpError('invalid_argument', `status needs --set STATUS and --reason TEXT.\n${USAGE}`);
    return withApp(async (app) => {
      const repo = repositoryOf(app);
      await repo.ready();
      const p = repo.setStatus(ref(positionals[0], positiveInt('--version', values.version, 1_000_000)), to, values.reason!, CLI_ACTOR);
      io.out(`${p.name} v${p.version} is now ${p.status}`);
      return 0;
    });
  },
};

async function withApp(fn: (app: ReturnType<typeof createApp>) => Promise<number>): Promise<number> {
  const app = createApp();
  try { return await fn(app); } finally { await app.close(); }
}

export const policiesCommand: CliCommand = {
  name: 'policies',
  summary: 'List, search, show, seed and import sched_ext policies in the repository',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const handler = sub ? subcommands[sub] : undefined;
    if (!handler) throw new SchedcpError('invalid_argument', `${sub ? `Unknown subcommand ${quote(sub)}` : 'A subcommand is required'}; use one of ${Object.keys(subcommands).join(', ')}.\n${USAGE}`);
    return handler(rest, io);
  },
};
