// The schema of a policy's metadata (policies/<name>/policy.json for built-ins, the submit_policy
// arguments for agents). Pure: validation turns zod issues into one specific message.
import { z } from 'zod';
import { SchedcpError, quote } from '../errors.js';

export const POLICY_NAME = /^[a-z][a-z0-9_]{1,47}$/;
export const STATUSES = ['candidate', 'verified', 'promoted', 'quarantined', 'retired'] as const;
export type PolicyStatus = (typeof STATUSES)[number];
export const PROVENANCES = ['built-in', 'agent-submitted', 'imported'] as const;
export type Provenance = (typeof PROVENANCES)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

export const tunableSchema = z.object({
  name: z.string().regex(/^[a-z_][a-z0-9_]{0,63}$/, 'a C identifier in lower case'),
  type: z.enum(['bool', 'u32', 'u64', 's32', 's64']),
  default: z.union([z.number(), z.boolean()]),
  min: z.number().optional(),
  max: z.number().optional(),
  unit: z.string().max(32).optional(),
  description: text(500),
}).strict().superRefine((t, ctx) => {
  if (t.type === 'bool' ? typeof t.default !== 'boolean' : typeof t.default !== 'number') {
    ctx.addIssue({ code: 'custom', message: `default must be a ${t.type === 'bool' ? 'boolean' : 'number'} for type ${t.type}` });
  }
  if (t.min !== undefined && t.max !== undefined && t.min > t.max) ctx.addIssue({ code: 'custom', message: 'min is greater than max' });
  if (typeof t.default === 'number' && ((t.min !== undefined && t.default < t.min) || (t.max !== undefined && t.default > t.max))) {
    ctx.addIssue({ code: 'custom', message: 'default lies outside [min, max]' });
  }
});
export type Tunable = z.infer<typeof tunableSchema>;

export const policyMetadataSchema = z.object({
  name: z.string().regex(POLICY_NAME, 'lower-case letters, digits and _, 2-48 chars, starting with a letter'),
  description: text(2000).describe('What the policy does, in one paragraph.'),
  algorithm: text(2000).describe('How it decides: queues, ordering, placement, preemption.'),
  targetWorkloads: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,47}$/)).min(1).max(16).describe('Workload tags it is meant for (e.g. batch, compile, interactive, web).'),
  useCases: z.array(text(300)).max(16).default([]),
  tradeoffs: z.array(text(500)).max(16).default([]),
  limitations: z.array(text(500)).max(16).default([]),
  tunables: z.array(tunableSchema).max(32).default([]),
}).strict();
export type PolicyMetadata = z.output<typeof policyMetadataSchema>;
export type PolicyMetadataInput = z.input<typeof policyMetadataSchema>;

/** Validate metadata, naming the first bad field and quoting its value. */
export function parseMetadata(input: unknown, origin: string): PolicyMetadata {
  const result = policyMetadataSchema.safeParse(input);
  if (result.success) {
    const dup = result.data.tunables.map((t) => t.name).find((n, i, all) => all.indexOf(n) !== i);
    if (dup) throw new SchedcpError('invalid_argument', `${origin}: tunable ${quote(dup)} is declared twice.`);
    return result.data;
  }
  const issue = result.error.issues[0]!;
  const path = issue.path.join('.') || '(root)';
  let value: unknown = input;
  for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
  throw new SchedcpError('invalid_argument', `${origin}: metadata field ${path} ${value === undefined ? 'is missing' : `= ${quote(value)}`} is invalid: ${issue.message}.`, { details: { path, issues: result.error.issues.length } });
}

/** Identifiers in the C source worth keyword search: ops callbacks, maps, kfuncs, constants. */
export function codeIdentifiers(source: string): string {
  const ids = new Set<string>();
  for (const m of source.matchAll(/\b(scx_bpf_[a-z_]+|BPF_MAP_TYPE_[A-Z_]+|SCX_[A-Z_]+|BPF_STRUCT_OPS(?:_SLEEPABLE)?\(\s*([a-z0-9_]+))/g)) {
    ids.add(m[2] ?? m[1]!);
  }
  for (const m of source.matchAll(/\.([a-z_]+)\s*=\s*\(void \*\)/g)) ids.add(m[1]!);
  return [...ids].join(' ');
}
