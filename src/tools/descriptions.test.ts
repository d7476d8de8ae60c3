// Tool descriptions are what a model reads to choose a tool: each says when to use it, what it costs,
// what to call next and which error codes it returns. These checks keep that true as tools change.
import { describe, expect, it } from 'vitest';
import { tools } from './index.js';
import { HTTP_STATUS } from '../rest/status.js';

const MAX_CHARS = 640;
/** Rewritten by the deployer's owner; only their "Errors:" sentence is checked (and a looser length). */
const DEPLOYER_OWNED = new Map([['deploy_policy', 1_200], ['pause_deployment', MAX_CHARS]]);
const CODES = new Set(Object.keys(HTTP_STATUS));
const NAMES = new Set(tools.map((t) => t.name));

/** The codes an "Errors: a (why), b, c." sentence names; "none of its own" names none. */
function errorCodes(description: string): string[] | undefined {
  const m = /Errors: (.*)$/s.exec(description);
  if (!m) return undefined;
  if (/^none of its own\b/.test(m[1]!)) return [];
  return m[1]!.replace(/\([^)]*\)/g, '').replace(/\.\s*$/, '').split(',').map((item) => item.trim().split(/\s/)[0]!);
}

describe('tool descriptions', () => {
  it.each(tools.map((t) => [t.name, t.description] as const))('%s: ends with the error codes it returns, each a real code', (name, description) => {
    const codes = errorCodes(description);
    expect(codes, `${name} has no "Errors: …" sentence`).toBeDefined();
    for (const code of codes!) expect(CODES, `${name} names unknown error code ${JSON.stringify(code)}`).toContain(code);
  });

  it.each(tools.map((t) => [t.name, t.description] as const))('%s: is short enough for a model to read among 40 others', (name, description) => {
    expect(description.length, name).toBeLessThanOrEqual(DEPLOYER_OWNED.get(name) ?? MAX_CHARS);
    expect(description.length, name).toBeGreaterThan(80);
  });

  it.each(tools.filter((t) => !DEPLOYER_OWNED.has(t.name)).map((t) => [t.name, t.description] as const))('%s: says what it costs, and every tool it points to next exists', (name, description) => {
    expect(description, `${name} says nothing about cost or risk`).toMatch(/\b(Cost|Risk):/);
    const next = /Next: ([^.]*)\./.exec(description)?.[1] ?? '';
    for (const word of next.match(/\b[a-z]+(?:_[a-z]+)+\b/g) ?? []) expect(NAMES, `${name} points to ${word}`).toContain(word);
  });

  it('names the next step in most descriptions (a session is a chain of calls)', () => {
    const without = tools.filter((t) => !/\bNext: /.test(t.description)).map((t) => t.name);
    expect(without.length, `no "Next:" in ${without.join(', ')}`).toBeLessThanOrEqual(Math.floor(tools.length / 3));
  });
});
