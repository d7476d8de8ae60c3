// Loads the config file (if any), applies SCHEDCP_* environment overrides, validates with the one
// schema, and reports the first bad key by its dotted path and where the value came from.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { SchedcpError, quote } from '../errors.js';
import { configSchema, type Config } from './schema.js';

type Env = Record<string, string | undefined>;

export function defaultConfigPath(env: Env = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'schedcp', 'config.json');
}

function defaultDataDir(env: Env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'schedcp');
}

function defaultCacheDir(env: Env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'schedcp');
}

/** SCHEDCP_HTTP__PORT=8080 → { http: { port: 8080 } }. Values are JSON when they parse, else strings. */
export function envOverrides(env: Env): { overrides: Record<string, unknown>; sources: Map<string, string> } {
  const overrides: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  const direct: Record<string, string> = { SCHEDCP_DATA_DIR: 'dataDir', SCHEDCP_CACHE_DIR: 'cacheDir' };
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || !name.startsWith('SCHEDCP_')) continue;
    const path = direct[name]?.split('.') ?? name.slice('SCHEDCP_'.length).split('__').map(camel);
    // SCHEDCP_LOG_LEVEL, SCHEDCP_SKIP_VM_TESTS…: process settings, not config keys. A name with
    // "__" always addresses config, so a typo in a section name is still reported.
    if (path.length === 1 && !direct[name] && !(path[0]! in configSchema.shape)) continue;
    if (path.some((p) => p.length === 0)) continue;
    const value = direct[name] ? raw : jsonOrString(raw);
    let node = overrides;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]!] = value;
    sources.set(path.join('.'), `environment variable ${name}`);
  }
  return { overrides, sources };
}

function jsonOrString(raw: string): unknown {
  try { return JSON.parse(raw); } catch { return raw; }
}

function camel(part: string): string {
  return part.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function merge(base: unknown, over: unknown): unknown {
  if (over === null || typeof over !== 'object' || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...((base && typeof base === 'object' && !Array.isArray(base)) ? base as object : {}) };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out;
}

export function loadConfig(env: Env = process.env): Config {
  const configPath = env.SCHEDCP_CONFIG || defaultConfigPath(env);
  let fileValue: unknown = {};
  const explicit = Boolean(env.SCHEDCP_CONFIG);
  if (existsSync(configPath)) {
    const text = readFileSync(configPath, 'utf8');
    try {
      fileValue = JSON.parse(text);
    } catch (error) {
      throw new SchedcpError('config_invalid', `Config file ${configPath} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  } else if (explicit) {
    throw new SchedcpError('config_invalid', `SCHEDCP_CONFIG points to ${quote(configPath)}, which does not exist.`);
  }
  const { overrides, sources } = envOverrides(env);
  return parseConfig(merge(fileValue, overrides), { configPath: existsSync(configPath) ? configPath : undefined, sources, env });
}

export function parseConfig(value: unknown, context: { configPath?: string | undefined; sources?: Map<string, string>; env?: Env } = {}): Config {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join('.') || '(root)';
    const from = context.sources?.get(key) ?? (context.configPath ? `config file ${context.configPath}` : 'configuration');
    const unknownKeys = issue.code === 'unrecognized_keys' ? ` unknown key(s) ${issue.keys.map((k) => quote(k)).join(', ')}` : '';
    const shownKey = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]].join('.') : key;
    throw new SchedcpError('config_invalid', `Invalid config key ${quote(shownKey)} (from ${from}):${unknownKeys || ' ' + issue.message}`, {
      details: { key: shownKey, issues: z.treeifyError(parsed.error) },
    });
  }
  const env = context.env ?? process.env;
  return {
    ...parsed.data,
    dataDir: parsed.data.dataDir ?? defaultDataDir(env),
    cacheDir: parsed.data.cacheDir ?? defaultCacheDir(env),
    configPath: context.configPath,
  };
}
