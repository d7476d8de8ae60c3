// Token buckets per (client, tool class). Pure: the caller passes the clock, so tests and the HTTP
// gate agree on time without sleeping.
export interface BucketConfig {
  perMinute: number;
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until one more call is allowed (for Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

interface Bucket { tokens: number; updatedMs: number }

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limits: Record<string, BucketConfig>, private readonly maxKeys = 10_000) {}

  take(client: string, toolClass: string, nowMs: number): RateDecision {
    const limit = this.limits[toolClass];
    if (!limit) return { allowed: true, retryAfterSeconds: 0 };
    const key = `${client}\u0000${toolClass}`;
    const perMs = limit.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, updatedMs: nowMs };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (nowMs - bucket.updatedMs) * perMs);
    bucket.updatedMs = nowMs;
    if (this.buckets.size >= this.maxKeys && !this.buckets.has(key)) this.evictFull();
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
  }

  // Buckets that are full again carry no state worth keeping; dropping them bounds memory.
  private evictFull(): void {
    for (const [key, bucket] of this.buckets) {
      const cls = key.split('\u0000')[1]!;
      if (bucket.tokens >= (this.limits[cls]?.burst ?? 0)) this.buckets.delete(key);
    }
  }
}
