import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey } from './keys.js';
import { checkToken, keyId, signToken, type TokenClaims } from './token.js';

const dirs: string[] = [];
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), 'schedcp-token-test-')); dirs.push(d); return d; };
afterEach(() => { while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true }); });

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const kid = keyId(publicKey);
const keys = new Map<string, KeyObject>([[kid, publicKey]]);
const now = 1_800_000_000;
const claims: TokenClaims = {
  kid, policySha256: 'a'.repeat(64), sourceSha256: 'b'.repeat(64), verifierVersion: '0.1.0+rules.1', kernelRelease: '6.12.48',
  evidenceId: 7, evidenceSha256: 'c'.repeat(64), iat: now - 10, exp: now + 3600, modes: ['canary', 'full'],
};

describe('checkToken', () => {
  const token = signToken(claims, privateKey);
  it('accepts a fresh token for the right policy, kit and mode', () => {
    expect(checkToken(token, keys, { now, policySha256: 'a'.repeat(64), kernelRelease: '6.12.48', mode: 'full' })).toEqual({ valid: true, claims });
  });
  it('refuses a token whose claims were edited', () => {
    const [prefix, payload, sig] = token.split('.');
    const edited = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), exp: now + 10 ** 9 })).toString('base64url');
    expect(checkToken(`${prefix}.${edited}.${sig}`, keys, { now })).toMatchObject({ valid: false, reason: expect.stringMatching(/tampered/) });
    const flipped = sig!.slice(0, -2) + (sig!.endsWith('AA') ? 'BB' : 'AA');
    expect(checkToken(`${prefix}.${payload}.${flipped}`, keys, { now }).valid).toBe(false);
  });
  it('refuses a signature in any but its canonical encoding', () => {
    const [prefix, payload, sig] = token.split('.');
    expect(checkToken(`${prefix}.${payload}.${sig}!`, keys, { now }).valid).toBe(false);
    expect(checkToken(`${prefix}.${payload}.${sig}A`, keys, { now }).valid).toBe(false);
  });
  it('refuses a token issued later than the clock says it is now', () => {
    expect(checkToken(token, keys, { now: claims.iat - 301 })).toMatchObject({ valid: false, reason: expect.stringMatching(/later than this host's clock/) });
    expect(checkToken(token, keys, { now: claims.iat - 300 }).valid).toBe(true);
  });
  it('refuses an expired token', () => {
    expect(checkToken(token, keys, { now: claims.exp })).toMatchObject({ valid: false, reason: expect.stringMatching(/expired at/) });
  });
  it('refuses a token for another policy object', () => {
    expect(checkToken(token, keys, { now, policySha256: 'd'.repeat(64) })).toMatchObject({ valid: false, reason: expect.stringMatching(/is for policy object sha256 aaaa/) });
  });
  it('refuses a token issued against another kit kernel', () => {
    expect(checkToken(token, keys, { now, kernelRelease: '6.12.49' })).toMatchObject({ valid: false, reason: expect.stringMatching(/kit kernel 6.12.48, but the current kit is 6.12.49/) });
  });
  it('refuses a deploy mode the token does not allow', () => {
    const canaryOnly = signToken({ ...claims, modes: ['canary'] }, privateKey);
    expect(checkToken(canaryOnly, keys, { now, mode: 'full' })).toMatchObject({ valid: false, reason: expect.stringMatching(/not full/) });
  });
  it('refuses tokens signed by an unknown key and garbage', () => {
    const other = generateKeyPairSync('ed25519');
    const foreign = signToken({ ...claims, kid: keyId(other.publicKey) }, other.privateKey);
    expect(checkToken(foreign, keys, { now })).toMatchObject({ valid: false, reason: expect.stringMatching(/does not know/) });
    expect(checkToken('hello', keys, { now })).toMatchObject({ valid: false, reason: expect.stringMatching(/not a schedcp verification token/) });
    expect(checkToken('schedcp-vt1.!!!.x', keys, { now }).valid).toBe(false);
  });
});

describe('loadOrCreateSigningKey', () => {
  it('creates an owner-only key once and reuses it', () => {
    const dir = tempDir();
    const first = loadOrCreateSigningKey(dir);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSigningKey(dir).kid).toBe(first.kid);
  });
  it('refuses a key file others can read', () => {
    const dir = tempDir();
    const key = loadOrCreateSigningKey(dir);
    chmodSync(key.path, 0o644);
    expect(() => loadOrCreateSigningKey(dir)).toThrow(/permissions 644.*chmod 600/);
  });
  it('refuses a key file that is not a key', () => {
    const dir = tempDir();
    const key = loadOrCreateSigningKey(dir);
    writeFileSync(key.path, 'not a key', { mode: 0o600 });
    expect(() => loadOrCreateSigningKey(dir)).toThrow(/not a valid private key/);
  });
});
