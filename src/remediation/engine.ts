// Applying and reverting one persisted action. The intent row is stored before the write; the
// write is read back; a revert restores only what still holds our value, and anything someone
// else changed since is yielded to them (reported, never overwritten).
import { toSchedcpError } from '../errors.js';
import { cgroupDir, cgroupProcs, layoutOf, processCgroup, readFiles, removeDedicated, removeRootIfEmpty, writeFiles } from './cgroups.js';
import { readIoprio, readNice, readProcess, writeIoprio, writeNice } from './procfs.js';
import type { ActionRow, ActionState, RemediationStore } from './store.js';

/** Reads and writes the values one action manages (thread id → nice or ioprio, file → content). */
export interface Actuator {
  read(keys: readonly string[]): Promise<Record<string, string> | undefined>;
  write(values: Record<string, string>): Promise<void>;
}

export function actuatorFor(row: Pick<ActionRow, 'kind' | 'spec'>): Actuator {
  const { spec } = row;
  if (row.kind === 'nice') return { read: async () => readNice(spec.pid!), write: async (v) => writeNice(v) };
  if (row.kind === 'ioprio') return { read: () => readIoprio(spec.pid!), write: (v) => writeIoprio(v) };
  const dir = cgroupDir(layoutOf(spec.controller!), spec.path!);
  return { read: async (keys) => readFiles(dir, keys), write: async (v) => writeFiles(dir, v) };
}

/** The process an action is about is gone, or its pid now names another process. */
export function processGone(row: Pick<ActionRow, 'spec'>): boolean {
  if (row.spec.pid === undefined) return false;
  return readProcess(row.spec.pid)?.startTime !== row.spec.startTime;
}

export interface Drift { key: string; wrote: string; now: string | undefined }

/** Values we wrote that now read differently (someone else changed them). Keys that vanished (a thread exited) are not drift. */
export async function driftOf(row: ActionRow, current?: Record<string, string>): Promise<Drift[]> {
  const now = current ?? await actuatorFor(row).read(Object.keys(row.after));
  if (!now) return [];
  const out: Drift[] = [];
  // A crash may have hit before or after the write, and a failed revert may have restored part: then "before" is ours too.
  const unsure = row.state === 'pending' || row.state === 'revert_failed';
  // A dedicated cgroup made before the crash still holds defaults; removing it is the whole revert.
  if (unsure && row.kind === 'process_limit') return [];
  for (const [key, wrote] of Object.entries(row.after)) {
    const value = now[key];
    if (value === undefined || value === wrote || (unsure && value === row.before[key])) continue;
    out.push({ key, wrote, now: value });
  }
  if (row.kind === 'process_limit' && !unsure && !processGone(row)) {
    const where = processCgroup(row.spec.pid!, layoutOf(row.spec.controller!));
    if (where !== undefined && where !== row.spec.path) out.push({ key: 'cgroup', wrote: row.spec.path!, now: where });
  }
  return out;
}

export function describeDrift(drift: readonly Drift[]): string {
  return drift.map((d) => `${d.key}: schedcp wrote ${d.wrote}, now ${d.now ?? '(missing)'}`).join('; ');
}

export interface RevertOutcome { id: number; state: ActionState; detail: string }

/** Undo one action. Never throws: a failed revert is recorded as revert_failed and retried by the scheduler. */
export async function revertAction(store: RemediationStore, row: ActionRow, reason: string): Promise<RevertOutcome> {
  const finish = (state: ActionState, detail: string, kind = state === 'reverted' ? 'revert' : state): RevertOutcome => {
    store.update(row.id, { state, ...(state === 'reverted' || state === 'target_gone' || state === 'yielded' ? { lastError: null } : {}) });
    store.event(row.id, kind, detail);
    return { id: row.id, state, detail };
  };
  try {
    if (row.kind !== 'cgroup_knob' && processGone(row)) {
      if (row.kind === 'process_limit') cleanupDedicated(row);
      return finish('target_gone', `pid ${row.spec.pid} (${row.spec.comm ?? '?'}) exited; nothing left to revert (${reason})`);
    }
    const actuator = actuatorFor(row);
    const now = await actuator.read(Object.keys(row.after));
    if (!now && row.kind === 'cgroup_knob') return finish('target_gone', `cgroup ${row.spec.controller}:${row.spec.path} no longer exists (${reason})`);
    const drift = await driftOf(row, now);
    if (drift.length) return finish('yielded', `not reverted (${reason}): changed by someone else (${describeDrift(drift)}); schedcp no longer manages it`, 'yield');
    if (row.kind === 'process_limit') {
      const layout = layoutOf(row.spec.controller!);
      removeDedicated(layout, row.spec.path!, row.spec.originalPath!);
      removeRootIfEmpty(layout, row.spec.path!.split('/').slice(0, -1).join('/'));
      return finish('reverted', `moved pid ${row.spec.pid} back to ${row.spec.originalPath} and removed ${row.spec.path} (${reason})`);
    }
    const restore = Object.fromEntries(Object.entries(row.before).filter(([key]) => now?.[key] !== undefined && now[key] !== row.before[key]));
    await actuator.write(restore);
    return finish('reverted', `restored ${Object.keys(restore).length ? Object.entries(restore).map(([k, v]) => `${k}=${v}`).join(', ') : 'nothing (already at the previous value)'} (${reason})`);
  } catch (error) {
    const message = toSchedcpError(error).message;
    store.update(row.id, { state: 'revert_failed', lastError: message, bumpAttempts: true });
    store.event(row.id, 'revert_failed', `${reason}: ${message}; will retry`);
    return { id: row.id, state: 'revert_failed', detail: message };
  }
}

function cleanupDedicated(row: ActionRow): void {
  const layout = layoutOf(row.spec.controller!);
  try {
    const dir = cgroupDir(layout, row.spec.path!);
    if (cgroupProcs(dir).length === 0) removeDedicated(layout, row.spec.path!, row.spec.originalPath!);
    removeRootIfEmpty(layout, row.spec.path!.split('/').slice(0, -1).join('/'));
  } catch { /* already gone */ }
}
