// `schedcp deploy policy|status|list|promote|rollback`: the deployer from the command line. `deploy
// policy` stays attached until the rollout ends (its heartbeats keep the node's dead-man switch quiet;
// interrupting it lets the agent roll back after the timeout, as it would for a dead server).
import { readFileSync } from 'node:fs';
import { createApp } from '../../app.js';
import { SchedcpError, quote } from '../../errors.js';
import { deployPolicy, deploymentStatus, listDeployments, promoteDeployment, rollbackDeployment, type DeploySource } from '../../deployer/index.js';
import { collectHeaders } from '../../verifier/index.js';
import { EXIT, type CliCommand } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

const USAGE = `Usage:
  schedcp deploy policy --token TOKEN|--token-file F --node NAME [FILE.bpf.c | FILE.bpf.o | --policy NAME]
                 [--baseline-seconds S] [--canary-seconds S] [--known-good-seconds S] [--require-approval]
                 [--stall-ms MS] [--deadman-ms MS] [--max-wake-p99-ratio R] [--max-req-p99-ratio R] [--json]
      Stays attached until the rollout ends: its heartbeats keep the node's dead-man switch quiet.
  schedcp deploy status ID [--detail] [--json]
  schedcp deploy list [--node NAME] [--json]
  schedcp deploy promote ID
  schedcp deploy rollback ID [--reason TEXT]`;

function id(v: string | undefined): number {
  if (!v || !/^\d+$/.test(v)) throw new SchedcpError('invalid_argument', `deployment id ${quote(v)} is not a positive integer.`);
  return Number(v);
}

export const deployCommand: CliCommand = {
  name: 'deploy',
  summary: 'Token-gated canary deployment of a verified policy to a node',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs(rest, {
      token: { type: 'string' }, 'token-file': { type: 'string' }, node: { type: 'string' }, policy: { type: 'string' },
      'baseline-seconds': { type: 'string' }, 'canary-seconds': { type: 'string' }, 'known-good-seconds': { type: 'string' }, 'require-approval': { type: 'boolean' },
      'stall-ms': { type: 'string' }, 'deadman-ms': { type: 'string' }, 'max-wake-p99-ratio': { type: 'string' }, 'max-req-p99-ratio': { type: 'string' },
      detail: { type: 'boolean' }, reason: { type: 'string' }, json: { type: 'boolean' },
    }, true);
    const app = createApp();
    const print = (r: unknown) => io.out(values.json ? JSON.stringify(r, null, 2) : JSON.stringify(r));
    try {
      switch (sub) {
        case 'policy': {
          const token = values.token ?? (values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : undefined);
          if (!token || !values.node) { io.err(USAGE); return EXIT.usage; }
          const file = positionals[0];
          // Optional: the token names the verified object; a file or policy given is checked against it.
          const policy: DeploySource | undefined = values.policy ? { policyName: values.policy }
            : file?.endsWith('.bpf.c') ? { source: readFileSync(file, 'utf8'), headers: collectHeaders(file) } : file ? { objectPath: file } : undefined;
          // Range checks are resolvePlan's: a bad number is refused there with the allowed range.
          const numbers = { 'baseline-seconds': 'baselineSeconds', 'canary-seconds': 'canarySeconds', 'known-good-seconds': 'knownGoodSeconds', 'stall-ms': 'stallMs', 'deadman-ms': 'deadmanMs',
            'max-wake-p99-ratio': 'maxWakeP99Ratio', 'max-req-p99-ratio': 'maxReqP99Ratio' } as const;
          const plan: Record<string, number | boolean> = values['require-approval'] ? { requireApproval: true } : {};
          for (const [flag, key] of Object.entries(numbers)) {
            const v = values[flag as keyof typeof numbers];
            if (v !== undefined) plan[key] = Number(v);
          }
          const started = await deployPolicy(app, { token, node: values.node, ...(policy ? { policy } : {}), plan }, { onProgress: (_d, _t, m) => io.err(`[deploy] ${m}`) });
          io.err(`[deploy] deployment ${started.id}: canary live`);
          let last = '';
          for (;;) {
            const s = await deploymentStatus(app, started.id);
            if (s.stage !== last) { io.err(`[deploy] stage ${s.stage}${s.trip ? ` — trip ${String(s.trip.kind)}: ${String(s.trip.reason)}` : ''}`); last = s.stage; }
            if (!s.live || s.stage === 'awaiting_approval') { print(s); return s.stage === 'known_good' || s.stage === 'awaiting_approval' ? EXIT.ok : EXIT.failure; }
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        case 'status': print(await deploymentStatus(app, id(positionals[0]), { detail: values.detail ?? false })); return EXIT.ok;
        case 'list': print(listDeployments(app, values.node ? { node: values.node } : {})); return EXIT.ok;
        case 'promote': print(await promoteDeployment(app, id(positionals[0]))); return EXIT.ok;
        case 'rollback': print(await rollbackDeployment(app, id(positionals[0]), values.reason)); return EXIT.ok;
        default: io.err(USAGE); return EXIT.usage;
      }
    } finally {
      await app.close();
    }
  },
};
