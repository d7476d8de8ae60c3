// Verified policy objects, kept by content hash in the data dir: a deploy ships the exact bytes the
// verifier checked. Compiling the source again is not the same object (clang records the build
// directory in it), so a recompile could never match the token's hash.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../audit/index.js';
import { SchedcpError } from '../errors.js';
import { headerClosure, headerRecords, headersDigest, type Headers } from './headers.js';
import type { TokenClaims } from './token.js';

const SHA256 = /^[0-9a-f]{64}$/;

function objectsDir(dataDir: string): string {
  return join(dataDir, 'verified-objects');
}

/** Stores the object's bytes under their sha256 (write-then-rename: a reader never sees half a file). */
export function keepVerifiedObject(dataDir: string, bytes: Buffer): string {
  const sha256 = sha256Hex(bytes);
  const dir = objectsDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${sha256}.${process.pid}.tmp`);
  writeFileSync(tmp, bytes, { mode: 0o600 });
  renameSync(tmp, join(dir, `${sha256}.bpf.o`));
  return sha256;
}

/** The verified object with this sha256; its bytes are hashed again, so a changed file is refused. */
export function verifiedObject(dataDir: string, sha256: string): Buffer {
  if (!SHA256.test(sha256)) throw new SchedcpError('invalid_argument', `Object sha256 ${JSON.stringify(sha256)} is not 64 lowercase hex digits.`);
  let bytes: Buffer;
  try { bytes = readFileSync(join(objectsDir(dataDir), `${sha256}.bpf.o`)); } catch {
    throw new SchedcpError('precondition_failed', `The verified object sha256 ${sha256.slice(0, 16)}… is not in this installation's object store (${objectsDir(dataDir)}): verify the policy again to get a deployable token.`);
  }
  const actual = sha256Hex(bytes);
  if (actual !== sha256) throw new SchedcpError('precondition_failed', `The stored verified object ${sha256.slice(0, 16)}… now hashes to ${actual.slice(0, 16)}… (changed on disk): verify the policy again.`);
  return bytes;
}

/** Why `source` (+ its headers) is not what the token's verification compiled, or undefined when it is. */
export function sourceMismatch(claims: TokenClaims, source: string, headers: Headers = {}): string | undefined {
  if (!claims.sourceSha256) return 'the token was issued for an object file, not for source text: deploy it by token alone or by its object';
  const sourceSha256 = sha256Hex(source);
  if (sourceSha256 !== claims.sourceSha256) return `the token is for source sha256 ${claims.sourceSha256.slice(0, 16)}…, not ${sourceSha256.slice(0, 16)}… (the source changed since it was verified)`;
  const used = headerClosure(source, headers);
  const digest = used.length > 0 ? headersDigest(headerRecords(headers, used)) : undefined;
  if ((digest ?? null) !== (claims.headersSha256 ?? null)) return `the token's headers digest ${claims.headersSha256?.slice(0, 16) ?? '(none)'} does not match the headers given (${digest?.slice(0, 16) ?? 'none'})`;
  return undefined;
}

