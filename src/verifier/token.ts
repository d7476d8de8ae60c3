// Deployment tokens: an Ed25519 signature over canonical JSON claims that bind a verified policy
// object to the verifier version, the kit kernel, the evidence digest and an expiry.
// Pure apart from the crypto calls; the key pair lives in keys.ts.
import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../audit/index.js';

export const TOKEN_PREFIX = 'schedcp-vt1';
/** Clock skew tolerated for a token's issue time: beyond it the clock went back and expiry means nothing. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
export const DEPLOY_MODES = ['canary', 'full'] as const;
export type DeployMode = (typeof DEPLOY_MODES)[number];

export interface TokenClaims {
  /** Key id: first 16 hex digits of sha256 over the public key (SPKI DER). */
  kid: string;
  policySha256: string;
  sourceSha256?: string;
  /** Digest over the policy's own headers that were compiled with the source (absent: none; tokens before headers). */
  headersSha256?: string;
  verifierVersion: string;
  kernelRelease: string;
  evidenceId: number;
  evidenceSha256: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  modes: DeployMode[];
}

export function keyId(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
}

export function signToken(claims: TokenClaims, privateKey: KeyObject): string {
  const payload = Buffer.from(canonicalJson(claims)).toString('base64url');
  const signature = sign(null, Buffer.from(`${TOKEN_PREFIX}.${payload}`), privateKey).toString('base64url');
  return `${TOKEN_PREFIX}.${payload}.${signature}`;
}

export interface TokenExpectations {
  now: number;
  policySha256?: string;
  kernelRelease?: string;
  mode?: DeployMode;
}

export type TokenCheck = { valid: true; claims: TokenClaims } | { valid: false; reason: string; claims?: TokenClaims };

/** Decode and check a token; `publicKeys` maps kid → key. Every refusal says what did not match. */
export function checkToken(token: string, publicKeys: Map<string, KeyObject>, expect: TokenExpectations): TokenCheck {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts[0] !== TOKEN_PREFIX) return { valid: false, reason: `not a schedcp verification token (expected "${TOKEN_PREFIX}.<claims>.<signature>")` };
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return { valid: false, reason: 'the token claims are not valid base64url JSON (tampered or truncated)' };
  }
  if (typeof claims !== 'object' || claims === null || typeof claims.kid !== 'string') return { valid: false, reason: 'the token claims are malformed (no key id)' };
  const key = publicKeys.get(claims.kid);
  if (!key) return { valid: false, reason: `the token was signed by key ${claims.kid}, which this schedcp installation does not know` };
  // base64url decoding skips characters it does not know: only the canonical 64-byte encoding is the token.
  const signature = Buffer.from(parts[2]!, 'base64url');
  const ok = signature.length === 64 && signature.toString('base64url') === parts[2] && verify(null, Buffer.from(`${TOKEN_PREFIX}.${parts[1]}`), key, signature);
  if (!ok) return { valid: false, reason: 'the signature does not match the claims (the token was tampered with)' };
  if (claims.iat > expect.now + MAX_CLOCK_SKEW_SECONDS) return { valid: false, reason: `the token was issued at ${new Date(claims.iat * 1000).toISOString()}, later than this host's clock (${new Date(expect.now * 1000).toISOString()}); fix the clock or verify the policy again`, claims };
  if (expect.now >= claims.exp) return { valid: false, reason: `the token expired at ${new Date(claims.exp * 1000).toISOString()}; verify the policy again`, claims };
  if (expect.policySha256 && expect.policySha256 !== claims.policySha256) {
    return { valid: false, reason: `the token is for policy object sha256 ${claims.policySha256.slice(0, 16)}…, not ${expect.policySha256.slice(0, 16)}…`, claims };
  }
  if (expect.kernelRelease && expect.kernelRelease !== claims.kernelRelease) {
    return { valid: false, reason: `the token was issued against kit kernel ${claims.kernelRelease}, but the current kit is ${expect.kernelRelease}; verify the policy again`, claims };
  }
  if (expect.mode && !claims.modes.includes(expect.mode)) return { valid: false, reason: `the token allows deploy modes ${claims.modes.join(', ')}, not ${expect.mode}`, claims };
  return { valid: true, claims };
}
