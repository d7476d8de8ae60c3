// The background sampler: cheap /proc and PSI reads on a fixed interval, kept as a ring of recent
// windows, so a level-0/1 summary or a signals call answers from the latest complete window in
// microseconds instead of sleeping through its own window. It pauses when nobody has asked for a
// while (an idle server reads nothing), resumes on the next request, and its timer never keeps the
// process alive (unref, unless a caller waits for the next window) and is cleared by stop().
import { classify, loadThresholds, signalInputs, type Signal, type Thresholds } from '../signals/classify.js';
import { computeMetrics, type Level1Metrics } from './metrics.js';
import { takeSnapshot, type SnapshotOptions } from './sampler.js';
import type { Snapshot } from './snapshot.js';
import { taskRows } from './tasks.js';

export interface BackgroundSamplerOptions {
  /** Length of one window (ms between two readings). */
  intervalMs?: number;
  /** Windows kept (history for signals). */
  ringSize?: number;
  /** Pause after this long without a request. */
  idlePauseMs?: number;
  /** Per-thread run-queue wait is read only while level-1 callers asked within this long (it costs most). */
  detailIdleMs?: number;
  thresholds?: Thresholds;
}

/** One complete window: both readings (latest only; older windows drop them) and what was judged over it. */
export interface SampledWindow {
  at: string;
  /** performance.now() at the window's end. */
  endMs: number;
  windowMs: number;
  /** Per-thread run-queue wait was read at both ends (level-1 run-queue metrics exist). */
  threadWait: boolean;
  metrics: Level1Metrics;
  signals: Signal[];
  prev?: Snapshot;
  cur?: Snapshot;
}

export type SamplerState = 'stopped' | 'running' | 'paused';

export interface SamplerStats {
  state: SamplerState;
  intervalMs: number;
  windows: number;
  ticks: number;
  /** CPU time the sampler's own reads and classification took (process CPU during each tick). */
  cpuMs: number;
  /** Wall time the sampler has been running (not paused), for a cost per hour. */
  runningMs: number;
}

export const DEFAULT_INTERVAL_MS = 1000;
/** After a pause (or a switch to detailed reads) the first window is short so the waiting caller is served soon. */
const RESUME_WINDOW_MS = 200;

export class BackgroundSampler {
  readonly intervalMs: number;
  private readonly ringSize: number;
  private readonly idlePauseMs: number;
  private readonly detailIdleMs: number;
  private readonly thresholds: Thresholds;
  private readonly ring: SampledWindow[] = [];
  private base: Snapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private state_: SamplerState = 'stopped';
  private lastDemandMs = 0;
  private lastDetailDemandMs = -Infinity;
  private waiters: Array<(w: SampledWindow | undefined) => void> = [];
  private ticks = 0;
  private cpuUs = 0;
  private runningMs = 0;
  private runningSince = 0;

  constructor(options: BackgroundSamplerOptions = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.ringSize = options.ringSize ?? 300;
    this.idlePauseMs = options.idlePauseMs ?? 10 * 60_000;
    this.detailIdleMs = options.detailIdleMs ?? 5 * 60_000;
    this.thresholds = options.thresholds ?? loadThresholds();
  }

  get state(): SamplerState { return this.state_; }

  start(): void {
    if (this.state_ === 'running') return;
    this.lastDemandMs = performance.now();
    this.run(this.state_ === 'paused' ? RESUME_WINDOW_MS : this.intervalMs);
  }

  /** Stop for good (until start): clears the timer and releases anyone waiting for a window. */
  stop(): void {
    this.halt('stopped');
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** A caller asked: keeps the sampler awake, resumes it if paused (then returns true: the ring is stale); `detail` also turns on per-thread reads. */
  touch(detail = false): boolean {
    const now = performance.now();
    this.lastDemandMs = now;
    const detailWasOff = !this.wantsDetail(now);
    if (detail) this.lastDetailDemandMs = now;
    if (this.state_ === 'paused') { this.run(RESUME_WINDOW_MS); return true; }
    // The window in progress lacks per-thread readings at its start: restart it short, with them.
    if (this.state_ === 'running' && detail && detailWasOff && !this.base?.threadWait) this.run(RESUME_WINDOW_MS);
    return false;
  }

  /** The latest complete window, if it is younger than maxAgeMs and (with needThreadWait) has run-queue readings. */
  latest(options: { maxAgeMs?: number; needThreadWait?: boolean } = {}): SampledWindow | undefined {
    const w = this.ring[this.ring.length - 1];
    if (!w) return undefined;
    if (performance.now() - w.endMs > (options.maxAgeMs ?? 2 * this.intervalMs + 500)) return undefined;
    if (options.needThreadWait && !w.threadWait) return undefined;
    return w;
  }

  /** Resolves with the next window the sampler completes (undefined if it stops or the signal aborts first). */
  nextWindow(signal?: AbortSignal): Promise<SampledWindow | undefined> {
    if (this.state_ === 'stopped') return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onAbort = () => { this.waiters = this.waiters.filter((w) => w !== done); resolve(undefined); };
      const done = (w: SampledWindow | undefined) => { signal?.removeEventListener('abort', onAbort); resolve(w); };
      if (signal?.aborted) { resolve(undefined); return; }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(done);
      this.timer?.ref();
    });
  }

  /** Every window still in the ring, oldest first (history for signals). */
  windows(): readonly SampledWindow[] { return this.ring; }

  stats(): SamplerStats {
    const running = this.runningMs + (this.state_ === 'running' ? performance.now() - this.runningSince : 0);
    return { state: this.state_, intervalMs: this.intervalMs, windows: this.ring.length, ticks: this.ticks, cpuMs: this.cpuUs / 1000, runningMs: running };
  }

  private wantsDetail(now: number): boolean { return now - this.lastDetailDemandMs <= this.detailIdleMs; }

  private options(): SnapshotOptions { return { tasks: true, threadWait: this.wantsDetail(performance.now()) }; }

  /** (Re)start the window in progress now and schedule its end after firstMs. */
  private run(firstMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.state_ !== 'running') this.runningSince = performance.now();
    this.state_ = 'running';
    this.base = this.read();
    this.schedule(firstMs);
  }

  private halt(to: 'stopped' | 'paused'): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.state_ === 'running') this.runningMs += performance.now() - this.runningSince;
    this.state_ = to;
    this.base = undefined;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.tick(), ms);
    // Only a caller waiting for the window may keep the process alive.
    if (this.waiters.length === 0) this.timer.unref();
  }

  private read(): Snapshot {
    const c0 = process.cpuUsage();
    const snap = takeSnapshot(this.options());
    const c = process.cpuUsage(c0);
    this.cpuUs += c.user + c.system;
    return snap;
  }

  private tick(): void {
    this.timer = undefined;
    if (this.state_ !== 'running') return;
    const cur = this.read();
    const prev = this.base;
    this.base = cur;
    if (prev) {
      const c0 = process.cpuUsage();
      const window = judge(prev, cur, this.thresholds);
      const c = process.cpuUsage(c0);
      this.cpuUs += c.user + c.system;
      const last = this.ring[this.ring.length - 1];
      if (last) { delete last.prev; delete last.cur; }
      this.ring.push(window);
      if (this.ring.length > this.ringSize) this.ring.shift();
      for (const w of this.waiters.splice(0)) w(window);
    }
    this.ticks++;
    if (performance.now() - this.lastDemandMs > this.idlePauseMs) this.halt('paused');
    else this.schedule(this.intervalMs);
  }
}

/** Metrics and signals over one window (pure given the two snapshots). */
export function judge(prev: Snapshot, cur: Snapshot, thresholds: Thresholds): SampledWindow {
  const metrics = computeMetrics(prev, cur);
  const top = taskRows(prev, cur, {}, 'cpu', 5);
  const topRss = taskRows(prev, cur, {}, 'rss', 1);
  const signals = classify(signalInputs(metrics, [...top, ...topRss]), thresholds, cur.at);
  return { at: cur.at, endMs: cur.atMs, windowMs: metrics.windowMs, threadWait: Boolean(prev.threadWait && cur.threadWait), metrics, signals, prev, cur };
}
