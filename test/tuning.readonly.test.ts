// A read-only /proc/sys, as in containers, for real: the built CLI runs under bubblewrap with
// /proc/sys bind-mounted read-only. The plan only restates the current value, so even a broken
// check could not change the host.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../src/exec/index.js';
import { CLI, makeTestEnv } from './helpers/mcp.js';

describe('live tuning with a read-only /proc/sys', () => {
  it('refuses with a specific error and writes nothing', async () => {
    const env = makeTestEnv({ tuning: { liveApply: true }, repository: { embedding: 'hashing' } });
    try {
      const swappiness = readFileSync('/proc/sys/vm/swappiness', 'utf8').trim();
      const result = await run('bwrap', ['--dev-bind', '/', '/', '--ro-bind', '/proc/sys', '/proc/sys', process.execPath, CLI, 'tune', 'apply', '--mode', 'live', '--set', `vm.swappiness=${swappiness}`], { env: env.env, allowFailure: true, timeoutMs: 30_000 });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/precondition_failed: \/proc\/sys is mounted read-only \(typical inside containers\); live tuning is impossible here\. Use mode "stage".*Nothing was written\./);
      // Stage mode still works there: it writes only into the data dir.
      const staged = await run('bwrap', ['--dev-bind', '/', '/', '--ro-bind', '/proc/sys', '/proc/sys', process.execPath, CLI, 'tune', 'apply', '--mode', 'stage', '--set', `vm.swappiness=${swappiness}`], { env: env.env, allowFailure: true, timeoutMs: 30_000 });
      expect(staged.exitCode, staged.stderr).toBe(0);
      expect(staged.stdout).toMatch(/# staged at .*99-schedcp-plan-\d+\.conf/);
    } finally {
      env.cleanup();
    }
  });
});
