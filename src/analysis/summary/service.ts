// Layered summaries and current signals over a sampling window. Keeps the last snapshot so a
// level-0 call with window 0 reuses it ("since the previous call") instead of sleeping.
import { setTimeout as sleep } from 'node:timers/promises';
import { SchedcpError, quote } from '../../errors.js';
import { classify, loadThresholds, signalInputs, type Signal, type Thresholds } from '../signals/classify.js';
import { digest } from './digest.js';
import { computeMetrics, type Level1Metrics } from './metrics.js';
import { readTaskDetail, takeSnapshot, type TaskDetail } from './sampler.js';
import type { Snapshot } from './snapshot.js';
import { cgroupRows, taskRows, type CgroupRow, type TaskFilter, type TaskRow, type TaskSort } from './tasks.js';

export const MAX_WINDOW_MS = 60_000;
/** A previous snapshot younger than this (and at least MIN_REUSE_MS old) serves a window-0 call. */
const REUSE_MAX_AGE_MS = 60_000;
const MIN_REUSE_MS = 50;
const FRESH_WINDOW_MS = 200;

export interface SummaryRequest {
  level: 0 | 1 | 2;
  /** 0: since the previous sample if recent, else a short fresh window. */
  windowMs: number;
  filter?: TaskFilter;
  sort?: TaskSort;
  topN?: number;
  signal?: AbortSignal;
}

export interface SummaryResult {
  level: 0 | 1 | 2;
  at: string;
  window: { ms: number; source: 'previous_sample' | 'fresh_window' };
  digest: string[];
  signals: Signal[];
  metrics?: Level1Metrics;
  tasks?: Array<TaskRow & { detail?: TaskDetail }>;
  cgroups?: CgroupRow[];
}

export class SummaryService {
  private last: Snapshot | undefined;
  readonly thresholds: Thresholds = loadThresholds();

  private async window(windowMs: number, level: number, taskCgroups: boolean, signal?: AbortSignal): Promise<{ prev: Snapshot; cur: Snapshot; source: 'previous_sample' | 'fresh_window' }> {
    if (!Number.isInteger(windowMs) || windowMs < 0 || windowMs > MAX_WINDOW_MS) {
      throw new SchedcpError('invalid_argument', `window_ms ${quote(windowMs)} is out of range: use 0..${MAX_WINDOW_MS} ms (0 = since the previous sample).`);
    }
    const options = { tasks: true, taskCgroups, threadWait: level >= 1, cgroups: level >= 2 };
    const previous = this.last;
    const age = previous ? performance.now() - previous.atMs : Infinity;
    const reusable = windowMs === 0 && previous?.tasks && age >= MIN_REUSE_MS && age <= REUSE_MAX_AGE_MS
      && (level < 1 || previous.threadWait) && (level < 2 || previous.cgroupReadings);
    if (reusable) {
      const cur = takeSnapshot(options);
      this.last = cur;
      return { prev: previous!, cur, source: 'previous_sample' };
    }
    const prev = takeSnapshot(options);
    await sleep(windowMs || FRESH_WINDOW_MS, undefined, { signal });
    const cur = takeSnapshot(options);
    this.last = cur;
    return { prev, cur, source: 'fresh_window' };
  }

  async summary(req: SummaryRequest): Promise<SummaryResult> {
    const topN = req.topN ?? 10;
    if (!Number.isInteger(topN) || topN < 1 || topN > 200) throw new SchedcpError('invalid_argument', `top_n ${quote(topN)} is out of range: use 1..200.`);
    // Task cgroups are read for level 2 rows and whenever a cgroup filter needs them (rows are filtered on the current snapshot).
    const taskCgroups = req.level >= 2 || req.filter?.cgroupPrefix !== undefined;
    const { prev, cur, source } = await this.window(req.windowMs, req.level, taskCgroups, req.signal);
    const metrics = computeMetrics(prev, cur);
    const top = taskRows(prev, cur, req.filter ?? {}, req.sort ?? 'cpu', topN);
    // Signals always judge the whole machine, not the filtered view.
    const topAll = req.filter ? taskRows(prev, cur, {}, 'cpu', 5) : top;
    const topRss = taskRows(prev, cur, {}, 'rss', 1);
    const signals = classify(signalInputs(metrics, [...topAll, ...topRss]), this.thresholds, cur.at);
    const result: SummaryResult = {
      level: req.level, at: cur.at, window: { ms: metrics.windowMs, source }, digest: digest(metrics, top, signals), signals,
    };
    if (req.level >= 1) result.metrics = metrics;
    if (req.level >= 2) {
      result.tasks = top.map((t) => ({ ...t, detail: readTaskDetail(t.pid) }));
      result.cgroups = cgroupRows(prev, cur, topN);
    } else if (req.level === 1) {
      result.tasks = top;
    }
    return result;
  }

  async signals(windowMs: number, signal?: AbortSignal): Promise<Signal[]> {
    return (await this.summary({ level: 1, windowMs, topN: 5, ...(signal && { signal }) })).signals;
  }
}
