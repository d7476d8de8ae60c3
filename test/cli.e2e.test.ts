// The built CLI as a user runs it: help, exit codes, and configuration errors that name the key.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI, makeTestEnv } from './helpers/mcp.js';

const schedcp = (args: string[], env: Record<string, string>) => execa(process.execPath, [CLI, ...args], { env, reject: false });

describe('schedcp CLI', () => {
  it('lists commands and exits 2 without one', async () => {
    const t = makeTestEnv();
    try {
      const r = await schedcp([], t.env);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toMatch(/serve\s+Run the MCP server/);
      const unknown = await schedcp(['frobnicate'], t.env);
      expect(unknown.exitCode).toBe(2);
      expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    } finally { t.cleanup(); }
  });

  it('refuses serve without exactly one transport and unknown flags', async () => {
    const t = makeTestEnv();
    try {
      const none = await schedcp(['serve'], t.env);
      expect(none.exitCode).toBe(2);
      expect(none.stderr).toMatch(/exactly one transport/);
      const bad = await schedcp(['serve', '--stdio', '--verbose'], t.env);
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toMatch(/--verbose/);
    } finally { t.cleanup(); }
  });

  it('reports a bad config key from the environment by name, and serve does not start', async () => {
    const t = makeTestEnv({}, { SCHEDCP_HTTP__PORT: '"eighty"' });
    try {
      const r = await schedcp(['serve', '--http'], t.env);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/config_invalid: Invalid config key "http\.port" \(from environment variable SCHEDCP_HTTP__PORT\)/);
    } finally { t.cleanup(); }
  });

  it('takes tokens from the environment and never prints them', async () => {
    const secret = 's'.repeat(40);
    const t = makeTestEnv({}, { SCHEDCP_TOKENS: JSON.stringify([{ name: 'envtok', token: secret, scopes: ['read'] }]) });
    try {
      const r = await schedcp(['config', '--json'], t.env);
      expect(r.exitCode).toBe(0);
      const shown = JSON.parse(r.stdout) as { tokens: Array<{ name: string; token: string }> };
      expect(shown.tokens).toEqual([{ name: 'envtok', scopes: ['read'], token: '[hidden]' }]);
      expect(r.stdout).not.toContain(secret);
    } finally { t.cleanup(); }
  });

  it('prints capabilities for this host', async () => {
    const t = makeTestEnv();
    try {
      const r = await schedcp(['capabilities', '--json'], t.env);
      expect(r.exitCode).toBe(0);
      const caps = JSON.parse(r.stdout) as { capabilities: Array<{ name: string }> };
      expect(caps.capabilities.map((c) => c.name)).toEqual(expect.arrayContaining(['bpf', 'sched_ext', 'kprobes', 'fentry', 'qemu']));
    } finally { t.cleanup(); }
  });
});
