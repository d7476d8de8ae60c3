// `schedcp vm build`: runs sandbox-vm/build-kit.sh into a staging folder, writes manifest.json
// (versions + sha256 of every file), then moves it to cacheDir/vm-kit/<inputs-hash>/ and deletes
// the multi-GB kernel build tree. A second run with the same inputs does nothing.
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { sha256Hex } from '../audit/index.js';
import { SchedcpError } from '../errors.js';
import { run } from '../exec/index.js';
import { kitFromDir, kitInputs, kitRoot, kitStatus, sandboxVmDir } from './kit.js';
import { probeKvm } from './qemu.js';
import type { Kit, KitManifest, KitProgress } from './types.js';

export interface BuildKitOptions {
  /** Rebuild even if a kit for the current inputs exists. */
  force?: boolean;
  onProgress?: (event: KitProgress) => void;
  signal?: AbortSignal;
  /** Parallel make jobs; default all CPUs. */
  jobs?: number;
  /** Keep and reuse this kernel build tree (developers iterating on sandbox-vm/); default a temp tree that is deleted. */
  workDir?: string;
}

export interface BuildKitResult {
  kit: Kit;
  /** false when the cached kit was already current. */
  built: boolean;
  buildSeconds: number;
}

const BUILD_TIMEOUT_MS = 90 * 60_000;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map(async (e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)])));
  return nested.flat().sort();
}

/** One build at a time per cache dir: a lock file holding the builder's pid. */
function takeLock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(lockPath, 'utf8'));
      let alive = false;
      try { process.kill(pid, 0); alive = pid > 0; } catch { alive = false; }
      if (alive) throw new SchedcpError('precondition_failed', `another \`schedcp vm build\` (pid ${pid}) is running; wait for it to finish (lock ${lockPath}).`);
      rmSync(lockPath, { force: true }); // left by a build that died; retry once
    }
  }
  throw new SchedcpError('precondition_failed', `could not take the build lock ${lockPath}; remove it if no build is running.`);
}

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export async function buildKit(config: { cacheDir: string }, options: BuildKitOptions = {}): Promise<BuildKitResult> {
  const status = await kitStatus(config.cacheDir);
  if (status.present && status.manifest && !options.force) {
    options.onProgress?.({ kind: 'done', message: `kit ${status.inputsHash} is current (${status.dir})` });
    return { kit: kitFromDir(status.dir, status.manifest), built: false, buildSeconds: 0 };
  }
  const inputs = await kitInputs();
  const root = kitRoot(config.cacheDir);
  await mkdir(root, { recursive: true });
  const unlock = takeLock(join(root, '.build.lock'));
  const staging = join(root, `.staging-${inputs.hash}-${process.pid}`);
  const workDir = options.workDir ?? join(root, `.work-${process.pid}`);
  const started = performance.now();
  try {
    await rm(staging, { recursive: true, force: true });
    const script = join(sandboxVmDir(), 'build-kit.sh');
    const onStdoutLine = (line: string) => {
      const step = /^@@STEP (\d+)\/(\d+) (.*)$/.exec(line);
      if (step) options.onProgress?.({ kind: 'step', step: Number(step[1]), total: Number(step[2]), message: step[3]! });
      else if (line.startsWith('@@PROGRESS ')) options.onProgress?.({ kind: 'progress', message: line.slice(11) });
    };
    await run('bash', [script, staging, workDir], {
      timeoutMs: BUILD_TIMEOUT_MS, maxOutputBytes: 1024 * 1024, onStdoutLine,
      ...(options.signal && { signal: options.signal }),
      ...(options.jobs && { env: { JOBS: String(options.jobs) } }),
    });
    const info = parseEnvFile(await readFile(join(staging, 'build-info.env'), 'utf8'));
    options.onProgress?.({ kind: 'step', step: 8, total: 8, message: 'hashing kit files and probing KVM' });
    const files: KitManifest['files'] = {};
    for (const file of await filesUnder(staging)) {
      files[relative(staging, file)] = { sha256: sha256Hex(await readFile(file)), bytes: (await stat(file)).size };
    }
    const kvmUsable = await probeKvm(join(staging, 'bzImage'), join(root, 'kvm-probe.json'));
    const buildSeconds = Math.round((performance.now() - started) / 100) / 10;
    const manifest: KitManifest = {
      schemaVersion: 1,
      inputsHash: inputs.hash,
      builtAt: new Date().toISOString(),
      buildSeconds,
      inputs: { packages: inputs.packages, files: inputs.files },
      versions: {
        linuxSource: inputs.packages['linux-source-6.12'] ?? 'unknown',
        kernelRelease: info.kernel_release ?? 'unknown',
        libbpf: info.libbpf_version ?? 'unknown',
        bpftool: info.bpftool_version ?? 'unknown',
        clang: info.clang_version ?? 'unknown',
        gcc: info.gcc_version ?? 'unknown',
      },
      files,
      kvmUsable,
    };
    // manifest.json is written last: its presence marks a complete kit.
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const finalDir = join(root, inputs.hash);
    await rm(finalDir, { recursive: true, force: true });
    await rename(staging, finalDir);
    for (const stale of status.staleDirs) await rm(stale, { recursive: true, force: true });
    options.onProgress?.({ kind: 'done', message: `kit ${inputs.hash} built in ${buildSeconds} s (${finalDir})` });
    return { kit: kitFromDir(finalDir, manifest), built: true, buildSeconds };
  } finally {
    await rm(staging, { recursive: true, force: true });
    if (!options.workDir && existsSync(workDir)) await rm(workDir, { recursive: true, force: true });
    unlock();
  }
}
