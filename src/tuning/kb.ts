// The tuning knowledge base: the schema of tuning/tunables.json and the pure value codec
// (parse a proposed or read-back value into numbers, format it the way sysctl expects).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SIGNAL_NAMES } from '../analysis/signals/classify.js';
import { SchedcpError, quote } from '../errors.js';


const relationSchema = z.object({
  op: z.enum(['<', '<=', '>', '>=']),
  other: z.string(),
  why: z.string(),
}).strict();

export const tunableSchema = z.object({
  key: z.string().regex(/^(kernel|vm|net)\.[A-Za-z0-9_.-]+$/),
  area: z.enum(['sched', 'vm', 'net']),
  title: z.string(),
  type: z.enum(['int', 'bool', 'enum', 'int_vector']),
  unit: z.string(),
  min: z.number().optional(),
  max: z.number().optional(),
  choices: z.array(z.string()).optional(),
  length: z.number().int().min(2).optional(),
  /** Vector elements must be non-decreasing (min ≤ default ≤ max). */
  ordered: z.boolean().optional(),
  /** Vector elements must be strictly increasing. */
  strict: z.boolean().optional(),
  default: z.string(),
  /** Largest change allowed in one plan: |new-old| ≤ abs, or new/old within ×ratio; either suffices. */
  maxStep: z.object({ abs: z.number().positive().optional(), ratio: z.number().gt(1).optional() }).strict().optional(),
  /** Path under debugfs when the tunable moved out of /proc/sys (sched tunables since 5.13). */
  debugfs: z.string().optional(),
  netns: z.boolean(),
  affects: z.string(),
  risks: z.string(),
  relations: z.array(relationSchema),
  signals: z.array(z.enum(SIGNAL_NAMES)),
  availability: z.string(),
}).strict().superRefine((t, ctx) => {
  if ((t.type === 'int' || t.type === 'int_vector') && (t.min === undefined || t.max === undefined)) ctx.addIssue({ code: 'custom', message: `${t.key}: numeric tunables need min and max` });
  if (t.type === 'enum' && !t.choices?.length) ctx.addIssue({ code: 'custom', message: `${t.key}: enum tunables need choices` });
  if (t.type === 'int_vector' && !t.length) ctx.addIssue({ code: 'custom', message: `${t.key}: vector tunables need length` });
});

export type Tunable = z.infer<typeof tunableSchema>;
export type Relation = z.infer<typeof relationSchema>;

const kbFileSchema = z.object({ version: z.literal(1), description: z.string(), tunables: z.array(tunableSchema).min(1) }).strict();

export const DEFAULT_KB_PATH = resolve(import.meta.dirname, '..', '..', '..', 'tuning', 'tunables.json');

/** Parse and cross-check the KB text: unique keys, relations point at known keys. */
export function parseKnowledgeBase(text: string, source = 'tunables.json'): Tunable[] {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (error) {
    throw new SchedcpError('config_invalid', `Tuning knowledge base ${source} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = kbFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SchedcpError('config_invalid', `Tuning knowledge base ${source} is invalid at ${issue.path.join('.')}: ${issue.message}`);
  }
  const keys = new Set<string>();
  for (const t of parsed.data.tunables) {
    if (keys.has(t.key)) throw new SchedcpError('config_invalid', `Tuning knowledge base ${source} lists ${quote(t.key)} twice.`);
    keys.add(t.key);
  }
  for (const t of parsed.data.tunables) {
    for (const r of t.relations) {
      if (!keys.has(r.other)) throw new SchedcpError('config_invalid', `Tuning knowledge base ${source}: ${t.key} relates to unknown ${quote(r.other)}.`);
    }
  }
  return parsed.data.tunables;
}

/** Candidate locations for the KB: beside the sources (dev tree and dist/ build). */
export function loadKnowledgeBase(path?: string): Tunable[] {
  const candidates = path ? [path] : [DEFAULT_KB_PATH, resolve(import.meta.dirname, '..', '..', 'tuning', 'tunables.json')];
  for (const candidate of candidates) {
    let text: string;
    try { text = readFileSync(candidate, 'utf8'); } catch { continue; }
    return parseKnowledgeBase(text, candidate);
  }
  throw new SchedcpError('not_found', `Tuning knowledge base not found (looked in ${candidates.join(', ')}).`);
}

/** Values compare and print as single-space separated decimal integers (or the enum word). */
export function normalizeValue(raw: string): string {
  return raw.trim().split(/\s+/).join(' ');
}

/** The numbers of a value of a numeric/bool/vector tunable, or a specific type error. */
export function parseValue(tunable: Tunable, value: string | number | readonly number[]): { text: string; numbers: number[] } {
  const text = Array.isArray(value) ? value.join(' ') : normalizeValue(String(value));
  if (tunable.type === 'enum') {
    if (!tunable.choices!.includes(text)) {
      throw new SchedcpError('invalid_argument', `${tunable.key}: value ${quote(text)} is not allowed; choose one of ${tunable.choices!.join(', ')}.`);
    }
    return { text, numbers: /^-?\d+$/.test(text) ? [Number(text)] : [] };
  }
  const parts = text.split(' ');
  const want = tunable.type === 'int_vector' ? tunable.length! : 1;
  if (parts.length !== want || parts.some((p) => !/^-?\d+$/.test(p))) {
    const shape = want === 1 ? (tunable.type === 'bool' ? '0 or 1' : 'one integer') : `${want} space-separated integers`;
    throw new SchedcpError('invalid_argument', `${tunable.key}: value ${quote(text)} has the wrong type; expected ${shape} (${tunable.unit}).`);
  }
  const numbers = parts.map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n))) {
    throw new SchedcpError('invalid_argument', `${tunable.key}: value ${quote(text)} is out of the integer range.`);
  }
  if (tunable.type === 'bool' && numbers[0] !== 0 && numbers[0] !== 1) {
    throw new SchedcpError('invalid_argument', `${tunable.key}: value ${quote(text)} has the wrong type; expected 0 or 1.`);
  }
  return { text: numbers.join(' '), numbers };
}

export function allowedRangeText(t: Tunable): string {
  if (t.type === 'enum') return `one of ${t.choices!.join(', ')}`;
  if (t.type === 'bool') return '0 or 1';
  const range = `${t.min}..${t.max} ${t.unit}`;
  if (t.type === 'int_vector') return `${t.length} integers, each ${range}${t.ordered ? (t.strict ? ', strictly increasing' : ', non-decreasing') : ''}`;
  return range;
}
