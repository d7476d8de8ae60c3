// Every subprocess the analysis engine starts (probe loaders, perf, strace, workloads) runs under a
// tracked AbortController, so a caller's cancel or the app closing kills it and waits for it to go.
export class ChildTracker {
  private readonly running = new Map<AbortController, Promise<unknown>>();

  get active(): number {
    return this.running.size;
  }

  /** Run fn with a signal that aborts on the caller's signal or on closeAll(). */
  async track<T>(callerSignal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) controller.abort(callerSignal.reason);
    callerSignal?.addEventListener('abort', onAbort, { once: true });
    const promise = fn(controller.signal);
    this.running.set(controller, promise);
    try {
      return await promise;
    } finally {
      this.running.delete(controller);
      callerSignal?.removeEventListener('abort', onAbort);
    }
  }

  async closeAll(): Promise<void> {
    const pending = [...this.running.entries()];
    for (const [controller] of pending) controller.abort(new Error('schedcp is shutting down'));
    await Promise.allSettled(pending.map(([, p]) => p));
  }
}
