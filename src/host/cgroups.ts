// Which cgroup version serves each resource controller on this host: v2 when the unified root
// lists the controller in cgroup.controllers, else a v1 hierarchy mounted with that subsystem.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type CgroupController = 'cpu' | 'memory' | 'io';
/** The v1 subsystem name of each controller (the v1 I/O controller is blkio). */
export const V1_SUBSYSTEM: Record<CgroupController, string> = { cpu: 'cpu', memory: 'memory', io: 'blkio' };

export interface CgroupControllerLayout {
  controller: CgroupController;
  version: 1 | 2 | undefined;
  /** Mount point of the hierarchy that serves it. */
  mount: string | undefined;
  detail: string;
}

/** Pure: mounts text (/proc/self/mounts) and the v2 root's controller list → one layout per controller. */
export function classifyCgroupControllers(mountsText: string, v2Controllers: (v2Mount: string) => string[]): CgroupControllerLayout[] {
  const mounts = mountsText.split('\n').filter(Boolean).map((line) => {
    const [, path = '', type = '', options = ''] = line.split(' ');
    return { path: path.replace(/\\040/g, ' '), type, options: options.split(',') };
  });
  const v2 = mounts.find((m) => m.type === 'cgroup2');
  const listed = v2 ? v2Controllers(v2.path) : [];
  return (['cpu', 'memory', 'io'] as const).map((controller): CgroupControllerLayout => {
    if (v2 && listed.includes(controller)) return { controller, version: 2, mount: v2.path, detail: `v2 at ${v2.path}` };
    const sub = V1_SUBSYSTEM[controller];
    const v1 = mounts.find((m) => m.type === 'cgroup' && m.options.includes(sub));
    if (v1) return { controller, version: 1, mount: v1.path, detail: `v1 (${sub}) at ${v1.path}${v2 ? `; v2 at ${v2.path} does not have it` : ''}` };
    return { controller, version: undefined, mount: undefined, detail: `no hierarchy has it${v2 ? ` (v2 at ${v2.path} lists: ${listed.join(' ') || 'nothing'})` : ''}` };
  });
}

export function detectCgroupControllers(): CgroupControllerLayout[] {
  let mounts = '';
  try { mounts = readFileSync('/proc/self/mounts', 'utf8'); } catch { /* no procfs */ }
  return classifyCgroupControllers(mounts, (root) => {
    try { return readFileSync(join(root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean); } catch { return []; }
  });
}
