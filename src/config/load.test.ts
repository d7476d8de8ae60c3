import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig, envOverrides } from './index.js';
import { SchedcpError } from '../errors.js';

function withConfigFile(content: string, fn: (path: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'schedcp-cfg-'));
  try {
    const path = join(dir, 'config.json');
    writeFileSync(path, content);
    fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('config', () => {
  it('fills defaults and derives XDG dirs', () => {
    const c = parseConfig({}, { env: { XDG_DATA_HOME: '/x/data', XDG_CACHE_HOME: '/x/cache' } });
    expect(c.dataDir).toBe('/x/data/schedcp');
    expect(c.cacheDir).toBe('/x/cache/schedcp');
    expect(c.http.host).toBe('127.0.0.1');
    expect(c.tuning.liveApply).toBe(false);
  });

  it('names the bad key and the file it came from', () => {
    withConfigFile(JSON.stringify({ http: { port: 'eighty' } }), (path) => {
      expect(() => loadConfig({ SCHEDCP_CONFIG: path })).toThrow(/Invalid config key "http\.port" \(from config file .*config\.json\)/);
    });
  });

  it('names an unknown key instead of ignoring it', () => {
    withConfigFile(JSON.stringify({ http: { prot: 1 } }), (path) => {
      expect(() => loadConfig({ SCHEDCP_CONFIG: path })).toThrow(/"http\.prot".*unknown key/);
    });
  });

  it('names the environment variable when an override is bad', () => {
    try {
      loadConfig({ SCHEDCP_CONFIG: '', SCHEDCP_HTTP__MAX_BODY_BYTES: '-5', HOME: '/nonexistent-home' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SchedcpError);
      expect((error as SchedcpError).code).toBe('config_invalid');
      expect((error as Error).message).toContain('http.maxBodyBytes');
      expect((error as Error).message).toContain('SCHEDCP_HTTP__MAX_BODY_BYTES');
    }
  });

  it('applies env overrides as typed values', () => {
    const { overrides } = envOverrides({ SCHEDCP_HTTP__PORT: '8080', SCHEDCP_DATA_DIR: '/d', SCHEDCP_TUNING__LIVE_APPLY: 'true' });
    expect(overrides).toEqual({ http: { port: 8080 }, dataDir: '/d', tuning: { liveApply: true } });
    expect(envOverrides({ SCHEDCP_LOG_LEVEL: 'debug', SCHEDCP_CONFIG: '/c' }).overrides).toEqual({});
    expect(envOverrides({ SCHEDCP_HTPP__PORT: '1' }).overrides).toEqual({ htpp: { port: 1 } });
  });

  it('rejects invalid JSON and a missing explicit file', () => {
    withConfigFile('{ not json', (path) => {
      expect(() => loadConfig({ SCHEDCP_CONFIG: path })).toThrow(/not valid JSON/);
    });
    expect(() => loadConfig({ SCHEDCP_CONFIG: '/nonexistent/schedcp.json' })).toThrow(/does not exist/);
  });

  it('refuses short tokens and unknown scopes', () => {
    expect(() => parseConfig({ tokens: [{ name: 'a', token: 'short', scopes: ['read'] }] })).toThrow(/tokens\.0\.token/);
    expect(() => parseConfig({ tokens: [{ name: 'a', token: 'x'.repeat(32), scopes: ['root'] }] })).toThrow(/tokens\.0\.scopes\.0/);
  });
});
