// Where HTTP bearer tokens come from: the config file/env, or (when none is configured) one
// generated on first start with every scope and kept in the data dir with 0600 permissions.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { SCOPES, type Config } from '../config/index.js';
import type { TokenEntry } from './http-auth.js';

export interface ResolvedTokens {
  tokens: TokenEntry[];
  /** The file holding the local token (when no token is configured). */
  tokenFile?: string;
  /** Set only when the token was generated on this start: print it once so the user can attach a client. */
  generatedToken?: string;
}

export function resolveHttpTokens(config: Config): ResolvedTokens {
  if (config.tokens.length > 0) return { tokens: config.tokens };
  const path = join(config.dataDir, 'http-token');
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    return { tokens: [{ name: 'local-admin', token, scopes: [...SCOPES] }], tokenFile: path };
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { tokens: [{ name: 'local-admin', token, scopes: [...SCOPES] }], tokenFile: path, generatedToken: token };
}
