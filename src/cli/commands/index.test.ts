import { describe, expect, it } from 'vitest';
import { commands } from './index.js';

describe('the command registry', () => {
  it('names each entry after the command its module exports, once', async () => {
    const loaded = await Promise.all(commands.map((c) => c.load()));
    expect(loaded.map((c) => c.name)).toEqual(commands.map((c) => c.name));
    expect(new Set(commands.map((c) => c.name)).size).toBe(commands.length);
    for (const c of loaded) expect(c.summary.length, c.name).toBeGreaterThan(10);
  });
});
