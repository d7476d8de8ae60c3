import { createApp } from '../../app.js';
import { SchedcpError, quote } from '../../errors.js';
import { KNOBS, remediationOf, type ActionResult, type Knob, type ProcessAction, type Remediation } from '../../remediation/index.js';
import { summarizeAction } from '../../remediation/tool-schemas.js';
import { parseIntFlag } from '../../tuning/cli-args.js';
import type { CliCommand, CliIo } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

const USAGE = `Usage: schedcp act <subcommand> [options]

  nice    --pid PID --value N [--start-time T]                 nice of every thread (0..19, ±10 per action)
  ioprio  --pid PID --class best-effort|idle [--level 0-7]      I/O priority of every thread
  limit   --pid PID --knob K --value V                          move the process into its own schedcp cgroup with K=V
  cgroup  --path /CGROUP --knob K --value V                     set K=V on a cgroup under config.remediation.allowedCgroupRoots
  recommend [--window-ms N]                                    advise-only proposals from the current signals
  list    [--all]                                               actions with TTL left, before/after values, events
  revert  ID                                                    undo an action now

Knobs (v2 names; v1 equivalents are written where v1 serves the controller): ${KNOBS.join(', ')}.
cpu.max is percent of one CPU; cpu.weight/io.weight 1..10000; memory.* bytes.
Options for nice/ioprio/limit/cgroup: --mode advise|live (default advise: check only), --ttl SECONDS,
--verify-seconds N (compare the target's own use before/after), --justification TEXT, --json.
Live mode needs config.tuning.liveApply=true and root. A live action stays in the foreground until its
TTL ends (then it is reverted) or until Ctrl-C, which reverts it too.`;

export const actCommand: CliCommand = {
  name: 'act',
  summary: 'Guarded process and cgroup actions (nice, ioprio, CPU/memory/IO limits) with TTL and revert',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs(rest, {
      pid: { type: 'string' }, value: { type: 'string' }, 'start-time': { type: 'string' }, class: { type: 'string' }, level: { type: 'string' },
      knob: { type: 'string' }, path: { type: 'string' }, mode: { type: 'string' }, ttl: { type: 'string' }, 'verify-seconds': { type: 'string' },
      justification: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' }, 'window-ms': { type: 'string' },
    }, true);
    const subs = ['nice', 'ioprio', 'limit', 'cgroup', 'recommend', 'list', 'revert'];
    if (!sub || !subs.includes(sub)) throw new SchedcpError('invalid_argument', `Unknown act subcommand ${quote(sub ?? '')}; use one of ${subs.join(', ')}.`);
    const app = createApp();
    const print = (value: unknown, text: () => string) => io.out(values.json ? JSON.stringify(value, null, 2) : text());
    try {
      const rem = remediationOf(app);
      await rem.ready;
      if (sub === 'list') {
        const rows = await rem.list({ all: Boolean(values.all) });
        print(rows, () => rows.map((a) => `#${a.id} ${a.state.padEnd(13)} ${a.kind.padEnd(13)} ${a.setting.padEnd(24)} ${a.target}${a.ttlLeftSeconds ? `  ${a.ttlLeftSeconds} s left` : ''}${a.lastError ? `  last error: ${a.lastError}` : ''}`).join('\n') || '(no adjustments)');
        return 0;
      }
      if (sub === 'recommend') {
        const r = await rem.recommend({ windowMs: parseIntFlag('window-ms', values['window-ms'], 200, 30_000, 1000) });
        print(r, () => [...r.proposals.map((p) => `${p.tool} ${JSON.stringify(p.arguments)}  (confidence ${p.confidence}, rule ${p.rule})\n    ${p.rationale}\n    expected: ${p.expectedEffect}`), ...r.notes.map((n) => `note: ${n}`)].join('\n') || 'No process actions: no signal calls for one.');
        return 0;
      }
      if (sub === 'revert') {
        const id = parseIntFlag('id', positionals[0], 1, Number.MAX_SAFE_INTEGER);
        if (id === undefined) throw new SchedcpError('invalid_argument', 'act revert takes an action ID (see schedcp act list).');
        const r = await rem.revert(id);
        print(r, () => `action ${r.id}: ${r.state} (${r.detail})`);
        return r.state === 'reverted' || r.state === 'target_gone' ? 0 : 1;
      }
      const mode = (values.mode ?? 'advise') as 'advise' | 'live';
      if (!['advise', 'live'].includes(mode)) throw new SchedcpError('invalid_argument', `--mode ${quote(values.mode)} must be advise or live.`);
      const seconds = parseIntFlag('verify-seconds', values['verify-seconds'], 2, 60);
      const common = {
        mode, caller: 'cli', ...(values.justification && { justification: values.justification }),
        ...(values.ttl !== undefined && { ttlSeconds: parseIntFlag('ttl', values.ttl, 1, 86_400)! }),
        ...(seconds !== undefined && { verify: { seconds, revertIfWorse: false } }),
      };
      const knob = (): Knob => {
        if (!values.knob || !(KNOBS as readonly string[]).includes(values.knob)) throw new SchedcpError('invalid_argument', `--knob ${quote(values.knob ?? '')} must be one of ${KNOBS.join(', ')}.`);
        return values.knob as Knob;
      };
      const number = (name: 'value' | 'level'): number => {
        const n = Number(values[name]);
        if (values[name] === undefined || !Number.isFinite(n)) throw new SchedcpError('invalid_argument', `--${name} ${quote(values[name] ?? '')} must be a number.`);
        return n;
      };
      let result: ActionResult;
      if (sub === 'cgroup') {
        if (!values.path) throw new SchedcpError('invalid_argument', 'act cgroup needs --path /CGROUP (a path inside the controller\'s hierarchy).');
        result = await rem.adjustCgroup({ ...common, path: values.path, knob: knob(), value: number('value') });
      } else {
        const pid = parseIntFlag('pid', values.pid, 1, 4_194_304);
        if (pid === undefined) throw new SchedcpError('invalid_argument', `act ${sub} needs --pid PID.`);
        const action: ProcessAction = sub === 'nice' ? { kind: 'nice', value: number('value') }
          : sub === 'ioprio' ? { kind: 'ioprio', class: values.class as 'idle', ...(values.level !== undefined && { level: number('level') }) }
          : { kind: 'limit', knob: knob(), value: number('value') };
        const startTime = parseIntFlag('start-time', values['start-time'], 0, Number.MAX_SAFE_INTEGER);
        result = await rem.adjustProcess({ ...common, pid, action, ...(startTime !== undefined && { expectStartTime: startTime }) });
      }
      print(result, () => summarizeAction(result));
      if (mode === 'live' && result.id !== undefined && result.state === 'active') await holdUntilReverted(rem, result.id, io);
      return 0;
    } finally {
      await app.close();
    }
  },
};

/** The CLI process owns the action: it waits for the TTL revert, and Ctrl-C reverts early (app.close). */
async function holdUntilReverted(rem: Remediation, id: number, io: CliIo): Promise<void> {
  io.err(`holding action ${id} until its TTL ends; Ctrl-C reverts it now`);
  await new Promise<void>((resolve) => {
    const stop = () => { clearInterval(poll); process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    const poll = setInterval(() => {
      const row = rem.store.get(id);
      if (!row || !['pending', 'active', 'revert_failed'].includes(row.state)) { io.err(`action ${id}: ${row?.state ?? 'gone'}`); stop(); }
    }, 500);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
