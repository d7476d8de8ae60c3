import { describe, expect, it } from 'vitest';
import { TokenStore, bearerToken } from './http-auth.js';
import { classifyBody } from './http-classify.js';

describe('bearer tokens', () => {
  const store = new TokenStore([
    { name: 'ops', token: 'a'.repeat(32), scopes: ['read', 'tune'] },
    { name: 'ci', token: 'b'.repeat(32), scopes: ['verify'] },
  ]);

  it('finds the principal with its scopes', () => {
    expect(store.authenticate('a'.repeat(32))?.name).toBe('ops');
    expect([...store.authenticate('b'.repeat(32))!.scopes]).toEqual(['verify']);
  });

  it('refuses unknown and prefix tokens', () => {
    expect(store.authenticate('a'.repeat(31))).toBeUndefined();
    expect(store.authenticate('')).toBeUndefined();
  });

  it('parses only well-formed Bearer headers', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('classifyBody', () => {
  const scopeOf = (name: string) => ({ verify_policy: 'verify', apply_tuning_plan: 'tune', system_summary: 'read' } as const)[name];

  it('charges each tools/call to its tool class and needs its scope', () => {
    const needs = classifyBody([
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'verify_policy' } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'apply_tuning_plan' } },
      { jsonrpc: '2.0', method: 'notifications/cancelled' },
      { jsonrpc: '2.0', id: 3, method: 'tools/list' },
    ], scopeOf);
    expect(needs).toEqual({ scopes: ['verify', 'tune'], tools: ['verify_policy', 'apply_tuning_plan'], classes: ['verify', 'tune', 'read'] });
  });

  it('lets unknown tools through as read so the MCP layer names them', () => {
    expect(classifyBody({ method: 'tools/call', params: { name: 'nope' } }, scopeOf).scopes).toEqual(['read']);
  });
});
