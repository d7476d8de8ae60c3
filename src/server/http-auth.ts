// Bearer tokens with scopes. Tokens are compared as SHA-256 digests with timingSafeEqual, and every
// configured token is checked, so timing reveals neither which token matched nor how much of it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Scope } from '../config/index.js';

export interface TokenEntry {
  name: string;
  token: string;
  scopes: readonly Scope[];
}

export interface Principal {
  name: string;
  scopes: ReadonlySet<Scope>;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export class TokenStore {
  private readonly entries: Array<{ name: string; digest: Buffer; scopes: ReadonlySet<Scope> }>;

  constructor(tokens: readonly TokenEntry[]) {
    this.entries = tokens.map((t) => ({ name: t.name, digest: digest(t.token), scopes: new Set(t.scopes) }));
  }

  authenticate(presented: string): Principal | undefined {
    const candidate = digest(presented);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(candidate, entry.digest) && !found) found = { name: entry.name, scopes: entry.scopes };
    }
    return found;
  }
}

/** The token from an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
