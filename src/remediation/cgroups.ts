// The cgroup half of the I/O shell: which version serves each controller here (v2 when the
// unified root lists it, else a v1 mount), reading and writing knob files, the schedcp-made
// cgroups a process is moved into, and moving it back.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchedcpError } from '../errors.js';
import { detectCgroupControllers, type CgroupControllerLayout } from '../host/index.js';
import { V1_SUBSYSTEM, normalizeFileValue, parseProcCgroup, type Controller } from './knobs.js';

export type ControllerLayout = CgroupControllerLayout;

export function layoutOf(controller: Controller): ControllerLayout {
  return detectCgroupControllers().find((l) => l.controller === controller)!;
}

export function cgroupDir(layout: ControllerLayout, path: string): string {
  if (!layout.mount) throw new SchedcpError('unsupported', `${layout.controller}: ${layout.detail}.`);
  return join(layout.mount, path);
}

export function readFiles(dir: string, files: readonly string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const f of files) {
    try { out[f] = normalizeFileValue(f, readFileSync(join(dir, f), 'utf8')); } catch { return undefined; }
  }
  return out;
}

/** Writes in order and reads each back; a kernel that keeps a different value is an error. */
export function writeFiles(dir: string, values: Record<string, string>): void {
  for (const [file, value] of Object.entries(values)) {
    try { writeFileSync(join(dir, file), value); } catch (error) {
      throw new SchedcpError('subprocess_failed', `write ${JSON.stringify(value)} to ${join(dir, file)} failed: ${(error as Error).message}`, { cause: error });
    }
    const back = readFiles(dir, [file])?.[file];
    if (back !== value) throw new SchedcpError('dynamic_check_failed', `${join(dir, file)}: wrote ${JSON.stringify(value)}, read back ${JSON.stringify(back ?? '(missing)')}.`);
  }
}

export function memoryUsage(layout: ControllerLayout, dir: string): number | undefined {
  const file = layout.version === 2 ? 'memory.current' : 'memory.usage_in_bytes';
  try { return Number(readFileSync(join(dir, file), 'utf8').trim()); } catch { return undefined; }
}

export function cgroupProcs(dir: string): number[] {
  try { return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number); } catch { return []; }
}

/** The process's cgroup path in the hierarchy serving `layout`. */
export function processCgroup(pid: number, layout: ControllerLayout): string | undefined {
  try {
    const parsed = parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
    return layout.version === 2 ? parsed.v2 : parsed.v1[V1_SUBSYSTEM[layout.controller]];
  } catch { return undefined; }
}

/** Creates `/<root>/<name>` for a dedicated cgroup; on v2 enables the controller inside schedcp's own root only. */
export function createDedicated(layout: ControllerLayout, root: string, name: string): string {
  const rootDir = cgroupDir(layout, root);
  mkdirSync(rootDir, { recursive: true });
  if (layout.version === 2) {
    const parentControllers = readFileSync(join(rootDir, 'cgroup.controllers'), 'utf8').split(/\s+/);
    if (!parentControllers.includes(layout.controller)) throw new SchedcpError('unsupported', `${layout.controller} is not delegated to ${rootDir} (its parent's cgroup.subtree_control lacks it); schedcp does not change the host's root delegation.`);
    writeFileSync(join(rootDir, 'cgroup.subtree_control'), `+${layout.controller}`);
  }
  const path = `${root}/${name}`;
  mkdirSync(cgroupDir(layout, path), { recursive: false });
  return path;
}

export function moveProcess(layout: ControllerLayout, pid: number, path: string): void {
  try { writeFileSync(join(cgroupDir(layout, path), 'cgroup.procs'), String(pid)); } catch (error) {
    if ((error as { code?: string }).code === 'ESRCH') return;
    throw new SchedcpError('subprocess_failed', `moving pid ${pid} into ${layout.controller}:${path} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Moves every process left in a dedicated cgroup to `back` (or the hierarchy root if it is gone), then removes it. */
export function removeDedicated(layout: ControllerLayout, path: string, back: string): void {
  const dir = cgroupDir(layout, path);
  if (!existsSync(dir)) return;
  const target = existsSync(cgroupDir(layout, back)) ? back : '/';
  for (const pid of cgroupProcs(dir)) moveProcess(layout, pid, target);
  rmdirSync(dir);
}

/** Removes schedcp's root in a hierarchy when nothing is left in it. */
export function removeRootIfEmpty(layout: ControllerLayout, root: string): void {
  const dir = cgroupDir(layout, root);
  try {
    if (readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory())) return;
    rmdirSync(dir);
  } catch { /* absent or busy */ }
}
