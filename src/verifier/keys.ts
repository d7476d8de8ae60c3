// The verifier's Ed25519 signing key: created on first use in <dataDir>/verifier/ with 0600
// permissions; refuses a key file that others can read. Checking a token only reads it.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SchedcpError, quote } from '../errors.js';
import { keyId } from './token.js';

export interface SigningKey { kid: string; privateKey: KeyObject; publicKey: KeyObject; path: string }

function keyPath(dataDir: string): string {
  return join(dataDir, 'verifier', 'token-signing-key.pem');
}

export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const path = keyPath(dataDir);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    // Written whole under a temporary name, then linked: another process never reads a half-written
    // key, and a key it created a moment ago is never overwritten (link fails with EEXIST).
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    try {
      linkSync(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temp, { force: true });
    }
  }
  return readKey(path);
}

/** The existing key, or undefined when none was created yet (token checks must not create one). */
export function loadSigningKey(dataDir: string): SigningKey | undefined {
  const path = keyPath(dataDir);
  return existsSync(path) ? readKey(path) : undefined;
}

function readKey(path: string): SigningKey {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new SchedcpError('permission_denied', `The token signing key ${quote(path)} has permissions ${mode.toString(8)}; it must be readable by its owner only (chmod 600).`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (error) {
    throw new SchedcpError('precondition_failed', `The token signing key ${quote(path)} is not a valid private key: ${(error as Error).message}. Move it away to create a new one (existing tokens become invalid).`, { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new SchedcpError('precondition_failed', `The token signing key ${quote(path)} is ${privateKey.asymmetricKeyType}, expected ed25519.`);
  const publicKey = createPublicKey(privateKey);
  return { kid: keyId(publicKey), privateKey, publicKey, path };
}
