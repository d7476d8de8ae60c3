import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createApp } from '../../app.js';
import { SchedcpError, isSchedcpError, quote } from '../../errors.js';
import { collectHeaders, getVerification, verifyPolicy } from '../../verifier/index.js';
import { VERIFY_EXIT, exitCodeFor, formatReport } from '../../verifier/report.js';
import type { StageResult } from '../../verifier/types.js';
import type { CliCommand } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

const USAGE = `Usage: schedcp verify <policy.bpf.c|policy.bpf.o> [--json] [--static-only] [--no-perf] [--fresh-baseline] [--timeout S] [--include-dir DIR]...

Runs the execution verifier: static checks and compile (no VM), the kernel verifier, the dynamic
correctness suite and the performance check against the default scheduler in the micro-VM.
A pass prints a signed deployment token.

  --json          machine-readable result (the verification record plus full evidence)
  --static-only   stop after the static stage (no VM; no token)
  --no-perf       skip the performance check (token allows canary deploys only)
  --fresh-baseline  measure the default-scheduler baseline now instead of reusing a stored one (< 1 h old)
  --timeout S     wall-clock limit for the VM run in seconds (5-3600)
  --include-dir D more folders for the policy's "quoted" headers (repeatable); the source's
                  own folder is always searched first. Only headers inside these folders (after
                  resolving symlinks) are read; they are checked, hashed into the evidence and
                  the token, and compiled as copies (clang sees nothing else of the host).

Exit codes: 0 pass (or warn), 2 bad arguments or input that is not a policy,
  10 compile error, 11 static rule failure, 12 kernel verifier rejection,
  13 dynamic failure (stall, scx_bpf_error, workload failure), 14 performance regression,
  70 infrastructure error (VM kit missing, qemu failure).`;

function isElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32BE(0) === 0x7f454c46;
  } finally { closeSync(fd); }
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'Verify a sched_ext policy (static, kernel verifier, dynamic, perf) and issue a deploy token',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      json: { type: 'boolean' }, 'static-only': { type: 'boolean' }, 'no-perf': { type: 'boolean' }, 'fresh-baseline': { type: 'boolean' }, timeout: { type: 'string' },
      'include-dir': { type: 'string', multiple: true },
    }, true);
    if (positionals.length !== 1) throw new SchedcpError('invalid_argument', `Expected exactly one policy file (.bpf.c source or .bpf.o object), got ${positionals.length}. ${USAGE.split('\n')[0]}`);
    const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 5 || timeout > 3600)) throw new SchedcpError('invalid_argument', `--timeout ${quote(values.timeout)} must be an integer number of seconds from 5 to 3600.`);
    const path = resolve(positionals[0]!);
    let size: number;
    try { size = statSync(path).size; } catch (error) {
      throw new SchedcpError('invalid_argument', `Cannot read ${quote(positionals[0])}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
    const app = createApp();
    try {
      const object = isElf(path);
      if (!object && size > app.config.limits.maxPolicySourceBytes) {
        throw new SchedcpError('invalid_argument', `${quote(positionals[0])} is ${size} bytes; policy sources may be at most ${app.config.limits.maxPolicySourceBytes} bytes (config limits.maxPolicySourceBytes).`);
      }
      const includeDirs = values['include-dir'] ?? [];
      if (object && includeDirs.length > 0) throw new SchedcpError('invalid_argument', `--include-dir applies to policy source, but ${quote(positionals[0])} is a compiled object.`);
      const headers = object ? {} : collectHeaders(path, includeDirs);
      const input = object ? { objectPath: path, label: basename(path) } : {
        source: readFileSync(path, 'utf8'), fileName: basename(path), label: basename(path), ...(Object.keys(headers).length > 0 ? { headers } : {}),
      };
      const verification = await verifyPolicy(app, input, {
        staticOnly: values['static-only'] ?? false, perf: !(values['no-perf'] ?? false), baseline: values['fresh-baseline'] ? 'fresh' : 'reuse', ...(timeout ? { timeoutSeconds: timeout } : {}),
        onProgress: values.json ? undefined : (_done, _total, message) => io.err(`… ${message}`),
      });
      const full = getVerification(app, verification.id, 'full');
      const stages = ((full.evidence as { stages?: StageResult[] }).stages) ?? [];
      if (values.json) io.out(JSON.stringify({ ...verification, evidence: full.evidence }, null, 2));
      else io.out(formatReport(verification, stages));
      return exitCodeFor(verification);
    } catch (error) {
      if (isSchedcpError(error) && error.code === 'invalid_argument') throw error;
      const message = isSchedcpError(error) ? `${error.code}: ${error.message}` : (error as Error).stack ?? String(error);
      if (values.json) io.out(JSON.stringify({ verdict: 'error', failureClass: 'infrastructure', error: message }, null, 2));
      io.err(`schedcp verify: infrastructure error (no verdict): ${message}`);
      return VERIFY_EXIT.infrastructure;
    } finally {
      await app.close();
    }
  },
};
