// The verifier's Ed25519 signing key: created on first use in <dataDir>/verifier/ with 0600
// permissions; refuses a key file that others can read.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchedcpError, quote } from '../errors.js';
import { keyId } from './token.js';

export interface SigningKey { kid: string; privateKey: KeyObject; publicKey: KeyObject; path: string }

export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const dir = join(dataDir, 'verifier');
  const path = join(dir, 'token-signing-key.pem');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    // 'wx': never overwrite a key another process created a moment ago.
    try {
      writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
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
