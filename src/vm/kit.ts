// Locating the cached VM kit: cacheDir/vm-kit/<inputs-hash>/, where the hash covers everything
// that goes into a build (Debian package versions and every file under sandbox-vm/).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../audit/index.js';
import { SchedcpError, quote } from '../errors.js';
import { run } from '../exec/index.js';
import type { Kit, KitManifest } from './types.js';

/** Debian packages whose contents end up in the kit (kernel source, guest binaries, compilers). */
export const KIT_PACKAGES = ['linux-source-6.12', 'busybox-static', 'rt-tests', 'stress-ng', 'clang-19', 'libelf-dev', 'zlib1g-dev'] as const;

export const KIT_MISSING_MESSAGE = 'VM kit missing or stale: run `schedcp vm build`';

/** The repository's sandbox-vm/ folder, found from this module whether it runs from src/ or dist/src/. */
export function sandboxVmDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'sandbox-vm', 'build-kit.sh'))) return join(dir, 'sandbox-vm');
    dir = dirname(dir);
  }
  throw new SchedcpError('not_found', 'sandbox-vm/build-kit.sh not found above the schedcp install; the VM kit sources ship with the repository.');
}

export function kitRoot(cacheDir: string): string {
  return join(cacheDir, 'vm-kit');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    return entry.isDirectory() ? (entry.name === 'build' ? [] : listFiles(full)) : [full];
  }).sort();
}

export interface KitInputs {
  hash: string;
  packages: Record<string, string>;
  files: Record<string, string>;
}

let cachedInputs: { key: string; inputs: KitInputs } | undefined;

/** Hash of the build inputs. Cached per process for unchanged sandbox-vm/ files (a dpkg query costs ~30 ms). */
export async function kitInputs(): Promise<KitInputs> {
  const src = sandboxVmDir();
  const files: Record<string, string> = {};
  for (const file of listFiles(src)) {
    if (file.endsWith('README.md')) continue; // documentation does not change the build
    files[relative(src, file)] = sha256Hex(readFileSync(file));
  }
  const key = JSON.stringify(files);
  if (cachedInputs?.key === key) return cachedInputs.inputs;
  const query = await run('dpkg-query', ['-W', '-f', '${Package}=${Version}\\n', ...KIT_PACKAGES], { allowFailure: true, timeoutMs: 30_000 });
  const packages: Record<string, string> = {};
  for (const name of KIT_PACKAGES) packages[name] = 'not-installed';
  for (const line of query.stdout.split('\n')) {
    const [name, version] = line.split('=');
    if (name && version) packages[name] = version;
  }
  const hash = sha256Hex(JSON.stringify({ packages, files })).slice(0, 16);
  const inputs = { hash, packages, files };
  cachedInputs = { key, inputs };
  return inputs;
}

export function kitFromDir(dir: string, manifest: KitManifest): Kit {
  return {
    dir,
    manifest,
    bzImage: join(dir, 'bzImage'),
    initramfs: join(dir, 'initramfs.cpio'),
    stressNgInitramfs: join(dir, 'stress-ng.cpio'),
    includeDirs: [join(dir, 'include'), join(dir, 'include', 'bpf-compat')],
    vmlinuxH: join(dir, 'include', 'vmlinux.h'),
    bpftool: join(dir, 'bin', 'bpftool'),
    kernelConfig: join(dir, 'kernel.config'),
    exampleObject: join(dir, 'examples', 'scx_simple.bpf.o'),
  };
}

function readManifest(dir: string): KitManifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as KitManifest;
    return manifest.schemaVersion === 1 ? manifest : undefined;
  } catch {
    return undefined;
  }
}

export interface KitStatus {
  present: boolean;
  dir: string;
  inputsHash: string;
  manifest?: KitManifest;
  /** Kits built from other inputs (stale; `schedcp vm build` replaces them). */
  staleDirs: string[];
  problem?: string;
}

export async function kitStatus(cacheDir: string): Promise<KitStatus> {
  const inputs = await kitInputs();
  const dir = join(kitRoot(cacheDir), inputs.hash);
  const root = kitRoot(cacheDir);
  const staleDirs = existsSync(root)
    ? readdirSync(root).filter((d) => d !== inputs.hash && !d.startsWith('.') && existsSync(join(root, d, 'manifest.json'))).map((d) => join(root, d))
    : [];
  const manifest = readManifest(dir);
  if (!manifest) return { present: false, dir, inputsHash: inputs.hash, staleDirs, problem: staleDirs.length ? 'the kit was built from different inputs' : 'no kit has been built' };
  for (const [file, info] of Object.entries(manifest.files)) {
    const path = join(dir, file);
    if (!existsSync(path) || statSync(path).size !== info.bytes) {
      return { present: false, dir, inputsHash: inputs.hash, manifest, staleDirs, problem: `kit file ${quote(file)} is missing or has the wrong size` };
    }
  }
  return { present: true, dir, inputsHash: inputs.hash, manifest, staleDirs };
}

/** The kit for the current inputs. Throws 'precondition_failed' naming the fix when it is missing or stale. */
export async function getKit(config: { cacheDir: string }): Promise<Kit> {
  const status = await kitStatus(config.cacheDir);
  if (!status.present || !status.manifest) {
    throw new SchedcpError('precondition_failed', `${KIT_MISSING_MESSAGE} (${status.problem}; expected ${status.dir}).`, { details: { kitDir: status.dir } });
  }
  return kitFromDir(status.dir, status.manifest);
}

