// The summary service on this machine's real /proc: filters apply at every level.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePidCgroup } from '../procfs/parse.js';
import { SummaryService } from './service.js';

describe('system summary filters', () => {
  const ownCgroup = parsePidCgroup(readFileSync('/proc/self/cgroup', 'utf8'));

  for (const level of [1, 2] as const) {
    it(`filters task rows by cgroup prefix at level ${level}`, async () => {
      const service = new SummaryService();
      const inside = await service.summary({ level, windowMs: 100, filter: { pids: [process.pid], cgroupPrefix: ownCgroup } });
      expect(inside.tasks?.map((t) => t.pid)).toEqual([process.pid]);
      expect(inside.tasks?.[0]?.cgroup).toBe(ownCgroup);
      const outside = await service.summary({ level, windowMs: 100, filter: { pids: [process.pid], cgroupPrefix: `${ownCgroup}/no-such-child` } });
      expect(outside.tasks).toEqual([]);
    });
  }
});
