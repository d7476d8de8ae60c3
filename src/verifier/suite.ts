// Loads verifier/suite.json (the dynamic and performance workloads), validated.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { rulesPath } from './rules.js';
import type { Suite } from './vm-stages.js';

const workload = z.object({ kind: z.enum(['hackbench', 'stress-ng', 'forkexec', 'wakeup-latency', 'idle']), name: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/) }).passthrough();
const suiteSchema = z.object({
  watchdogTimeoutMs: z.number().int().min(500).max(30000),
  correctness: z.array(workload).min(1),
  performance: z.object({
    trials: z.number().int().min(1).max(20),
    minRegressionPct: z.number().min(0).max(1000),
    /** Reuse a stored default-scheduler baseline of the same kit, suite, VM shape and host while younger than this (0: never). */
    baselineMaxAgeMinutes: z.number().int().min(0).max(7 * 24 * 60).default(60),
    workloads: z.array(z.object({ workload: z.string(), metric: z.string(), direction: z.enum(['lower_is_better', 'higher_is_better']), gateUnderTcg: z.boolean() })),
    latency: z.array(z.object({
      $comment: z.string().optional(), workload: z.string(), metric: z.enum(['p50Us', 'p90Us', 'p99Us', 'maxUs']),
      failRatio: z.number().min(1), failFloorUs: z.number().min(0), warnRatio: z.number().min(1), warnFloorUs: z.number().min(0),
    }).strict()).default([]),
  }),
});

export function loadSuite(path = resolve(rulesPath(), '..', 'suite.json')): Suite {
  const parsed = suiteSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`verifier suite ${path} is invalid: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const names = new Set(parsed.data.correctness.map((w) => w.name));
  for (const p of [...parsed.data.performance.workloads, ...parsed.data.performance.latency]) if (!names.has(p.workload)) throw new Error(`verifier suite ${path}: performance workload ${p.workload} is not in correctness`);
  return parsed.data as unknown as Suite;
}
