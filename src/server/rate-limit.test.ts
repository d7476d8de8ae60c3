import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  const limits = { read: { perMinute: 60, burst: 3 }, deploy: { perMinute: 6, burst: 1 } };

  it('allows the burst, then refuses with the time until the next token', () => {
    const rl = new RateLimiter(limits);
    const t = 1_000_000;
    expect([1, 2, 3].map(() => rl.take('a', 'read', t).allowed)).toEqual([true, true, true]);
    const denied = rl.take('a', 'read', t);
    expect(denied).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(rl.take('a', 'read', t + 1000).allowed).toBe(true);
  });

  it('keeps clients and tool classes apart', () => {
    const rl = new RateLimiter(limits);
    expect(rl.take('a', 'deploy', 0).allowed).toBe(true);
    expect(rl.take('a', 'deploy', 0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(rl.take('b', 'deploy', 0).allowed).toBe(true);
    expect(rl.take('a', 'read', 0).allowed).toBe(true);
  });

  it('never refills above the burst', () => {
    const rl = new RateLimiter(limits);
    rl.take('a', 'read', 0);
    const later = 10 * 60_000;
    expect([1, 2, 3, 4].map(() => rl.take('a', 'read', later).allowed)).toEqual([true, true, true, false]);
  });
});
