// Layered summaries and current signals. Levels 0 and 1 answer from the background sampler's latest
// complete window (its age is in the result) while the sampler runs; `fresh` or an explicit window
// samples anew. Without a running sampler (one-shot CLI) window 0 reuses the previous sample.
import { setTimeout as sleep } from 'node:timers/promises';
import { SchedcpError, quote } from '../../errors.js';
import { classify, loadThresholds, signalInputs, type Signal, type Thresholds } from '../signals/classify.js';
import { BackgroundSampler, type BackgroundSamplerOptions, type SampledWindow } from './background.js';
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
  /** 0: the latest background window (or the previous sample), else a fresh window of this length. */
  windowMs: number;
  /** Sample a new window even when a recent one exists (window windowMs, or 200 ms / 1 s for level 0 / 1). */
  fresh?: boolean;
  filter?: TaskFilter;
  sort?: TaskSort;
  topN?: number;
  signal?: AbortSignal;
}

export type WindowSource = 'background' | 'previous_sample' | 'fresh_window';

export interface SummaryResult {
  level: 0 | 1 | 2;
  at: string;
  /** ageMs: how long ago the window ended when this answer was made. */
  window: { ms: number; source: WindowSource; ageMs: number };
  digest: string[];
  signals: Signal[];
  metrics?: Level1Metrics;
  tasks?: Array<TaskRow & { detail?: TaskDetail }>;
  cgroups?: CgroupRow[];
}

interface Window { prev: Snapshot; cur: Snapshot; source: WindowSource; judged?: SampledWindow }

// Polling agents ask the same question of the same background window many times a second: its
// unfiltered rows and digest are computed once per window, per sort and top N.
const rowsOfWindow = new WeakMap<SampledWindow, Map<string, { top: TaskRow[]; digest: string[] }>>();

export class SummaryService {
  private last: Snapshot | undefined;
  readonly thresholds: Thresholds = loadThresholds();
  readonly sampler: BackgroundSampler;

  constructor(samplerOptions: BackgroundSamplerOptions = {}) {
    this.sampler = new BackgroundSampler({ thresholds: this.thresholds, ...samplerOptions });
  }

  /** The latest background window usable for this level, waiting for the next one if the ring is stale. */
  private async background(level: number, signal?: AbortSignal): Promise<SampledWindow | undefined> {
    if (this.sampler.state === 'stopped' || level > 1) return undefined;
    const resumed = this.sampler.touch(level >= 1);
    const needThreadWait = level >= 1;
    const w = resumed ? undefined : this.sampler.latest({ needThreadWait });
    if (w?.prev && w.cur) return w;
    const next = await this.sampler.nextWindow(signal);
    return next && (!needThreadWait || next.threadWait) && next.prev && next.cur ? next : undefined;
  }

  private async window(req: SummaryRequest, taskCgroups: boolean): Promise<Window> {
    const { windowMs, level, signal } = req;
    if (!Number.isInteger(windowMs) || windowMs < 0 || windowMs > MAX_WINDOW_MS) {
      throw new SchedcpError('invalid_argument', `window_ms ${quote(windowMs)} is out of range: use 0..${MAX_WINDOW_MS} ms (0 = the latest background window).`);
    }
    // A cgroup filter needs each task's cgroup, which the background reads leave out.
    if (windowMs === 0 && !req.fresh && !taskCgroups) {
      const judged = await this.background(level, signal);
      if (judged) return { prev: judged.prev!, cur: judged.cur!, source: 'background', judged };
    }
    const options = { tasks: true, taskCgroups, threadWait: level >= 1, cgroups: level >= 2 };
    const previous = this.last;
    const age = previous ? performance.now() - previous.atMs : Infinity;
    const reusable = windowMs === 0 && !req.fresh && previous?.tasks && age >= MIN_REUSE_MS && age <= REUSE_MAX_AGE_MS
      && (level < 1 || previous.threadWait) && (level < 2 || previous.cgroupReadings) && (!taskCgroups || previous.tasks.values().next().value?.cgroup !== undefined);
    if (reusable) {
      const cur = takeSnapshot(options);
      this.last = cur;
      return { prev: previous!, cur, source: 'previous_sample' };
    }
    const prev = takeSnapshot(options);
    await sleep(windowMs || (level === 0 ? FRESH_WINDOW_MS : 1000), undefined, { signal });
    const cur = takeSnapshot(options);
    this.last = cur;
    return { prev, cur, source: 'fresh_window' };
  }

  async summary(req: SummaryRequest): Promise<SummaryResult> {
    const topN = req.topN ?? 10;
    if (!Number.isInteger(topN) || topN < 1 || topN > 200) throw new SchedcpError('invalid_argument', `top_n ${quote(topN)} is out of range: use 1..200.`);
    // Task cgroups are read for level 2 rows and whenever a cgroup filter needs them (rows are filtered on the current snapshot).
    const taskCgroups = req.level >= 2 || req.filter?.cgroupPrefix !== undefined;
    const { prev, cur, source, judged } = await this.window(req, taskCgroups);
    const metrics = judged?.metrics ?? computeMetrics(prev, cur);
    const memoKey = judged && !req.filter ? `${req.sort ?? 'cpu'}/${topN}` : undefined;
    const memo = memoKey ? rowsOfWindow.get(judged!)?.get(memoKey) : undefined;
    const top = memo?.top ?? taskRows(prev, cur, req.filter ?? {}, req.sort ?? 'cpu', topN);
    // Signals always judge the whole machine, not the filtered view.
    const signals = judged?.signals ?? this.judge(prev, cur, metrics, req.filter || (req.sort ?? 'cpu') !== 'cpu' ? undefined : top);
    const text = memo?.digest ?? digest(metrics, top, signals);
    if (memoKey && !memo) {
      const perWindow = rowsOfWindow.get(judged!) ?? new Map();
      perWindow.set(memoKey, { top, digest: text });
      rowsOfWindow.set(judged!, perWindow);
    }
    const result: SummaryResult = {
      level: req.level, at: cur.at, window: { ms: metrics.windowMs, source, ageMs: Math.max(0, Math.round(performance.now() - cur.atMs)) },
      digest: text, signals,
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

  private judge(prev: Snapshot, cur: Snapshot, metrics: Level1Metrics, unfilteredTop?: TaskRow[]): Signal[] {
    const topAll = unfilteredTop ?? taskRows(prev, cur, {}, 'cpu', 5);
    const topRss = taskRows(prev, cur, {}, 'rss', 1);
    return classify(signalInputs(metrics, [...topAll, ...topRss]), this.thresholds, cur.at);
  }

  /** Signals over the latest background window (windowMs undefined/0 and not fresh) or a fresh window. */
  async signals(options: { windowMs?: number; fresh?: boolean; signal?: AbortSignal } = {}): Promise<{ signals: Signal[]; window: SummaryResult['window'] }> {
    const background = this.sampler.state !== 'stopped' && !options.fresh && !options.windowMs;
    const r = await this.summary({
      level: 1, windowMs: background ? 0 : (options.windowMs || 1000), topN: 5, ...(options.fresh && { fresh: true }), ...(options.signal && { signal: options.signal }),
    });
    return { signals: r.signals, window: r.window };
  }
}
