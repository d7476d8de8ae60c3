// Zod shapes shared by the tuning MCP tools (inputs and outputs), kept beside the component.
import { z } from 'zod';
import { SEVERITIES, SIGNAL_NAMES } from '../analysis/signals/classify.js';

export const targetField = z.string().max(80).regex(/^(host|netns:[A-Za-z0-9_.-]{1,64})$/, 'use "host" or "netns:<name>"').optional()
  .describe('Where to read/write: "host" (default, /proc/sys and debugfs) or "netns:<name>" (a network namespace made with `ip netns add`; net.* only).');

export const changeSchema = z.object({
  key: z.string().max(128).describe('sysctl-style key, e.g. "vm.swappiness".'),
  value: z.union([z.string().max(256), z.number().int(), z.array(z.number().int()).min(1).max(8)])
    .describe('New value: an integer, an enum word, or for vector tunables (tcp_rmem) an array or space-separated string.'),
}).strict();

export const changesField = z.array(changeSchema).min(1).max(32).describe('The plan: tunables and their new values.');

export const checkedChangeSchema = z.object({ key: z.string(), from: z.string(), to: z.string(), unchanged: z.boolean() });

export const denialSchema = z.object({ key: z.string(), rule: z.string(), message: z.string(), allowed: z.string().optional() });

export const signalSchema = z.object({
  name: z.enum(SIGNAL_NAMES),
  severity: z.enum(SEVERITIES),
  score: z.number().min(0).max(1),
  summary: z.string().max(2000),
  evidence: z.record(z.string().max(64), z.number()),
  at: z.string().max(64),
}).strict();

export const tunableViewSchema = z.object({
  key: z.string(), area: z.string(), title: z.string(), type: z.string(), unit: z.string(),
  present: z.boolean(), current: z.string().optional(), location: z.string().optional(),
  allowed: z.boolean(), allowedRange: z.string(), default: z.string(), netns: z.boolean(), signals: z.array(z.string()),
});

export const tunableDetailSchema = tunableViewSchema.extend({
  min: z.number().optional(), max: z.number().optional(), choices: z.array(z.string()).optional(),
  maxStep: z.object({ abs: z.number().optional(), ratio: z.number().optional() }).optional(),
  debugfs: z.string().optional(), affects: z.string(), risks: z.string(), availability: z.string(),
  relations: z.array(z.object({ op: z.string(), other: z.string(), why: z.string() })),
});

export const keyOutcomeSchema = z.object({ key: z.string(), from: z.string(), to: z.string(), state: z.enum(['applied', 'rolled_back', 'yielded', 'failed', 'skipped']), detail: z.string().optional() });

export const liveResultSchema = z.object({
  planId: z.number(), backupId: z.number(), status: z.enum(['applied', 'guard_rolled_back']),
  keys: z.array(keyOutcomeSchema),
  stages: z.array(z.object({
    keys: z.array(z.string()), verdict: z.enum(['kept', 'rolled_back']),
    comparison: z.object({ metric: z.string(), baselineMedian: z.number(), candidateMedian: z.number(), changePct: z.number(), ciLowPct: z.number(), ciHighPct: z.number(), verdict: z.string() }).optional(),
  })),
  baselineRunId: z.number().optional(),
});
