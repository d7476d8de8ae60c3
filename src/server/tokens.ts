// Where HTTP bearer tokens come from: the config file/env, or (when none is configured) two
// generated on first start and kept in the data dir with 0600 permissions: the agent's token with
// every agent scope, and the operator's console token that also holds "approve".
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_SCOPES, SCOPES, type Config } from '../config/index.js';
import type { TokenEntry } from './http-auth.js';

export interface ResolvedTokens {
  tokens: TokenEntry[];
  /** The file holding the local token (when no token is configured). */
  tokenFile?: string;
  /** Set only when the token was generated on this start: print it once so the user can attach a client. */
  generatedToken?: string;
  /** The file holding the operator's console token (scope "approve" besides the agent scopes). */
  operatorTokenFile?: string;
}

/** Reads a 0600 token file, creating it on first use; `created` says whether this call wrote it. */
function tokenFile(path: string): { token: string; created: boolean } {
  if (existsSync(path)) return { token: readFileSync(path, 'utf8').trim(), created: false };
  const token = randomBytes(32).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { token, created: true };
}

export function resolveHttpTokens(config: Config): ResolvedTokens {
  if (config.tokens.length > 0) return { tokens: config.tokens };
  const path = join(config.dataDir, 'http-token');
  const agent = tokenFile(path);
  const operatorPath = join(config.dataDir, 'http-operator-token');
  const operator = tokenFile(operatorPath);
  return {
    tokens: [{ name: 'local-admin', token: agent.token, scopes: [...AGENT_SCOPES] }, { name: 'operator', token: operator.token, scopes: [...SCOPES] }],
    tokenFile: path, operatorTokenFile: operatorPath, ...(agent.created && { generatedToken: agent.token }),
  };
}
