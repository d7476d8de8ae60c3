import { describe, expect, it } from 'vitest';
import { canonicalJson, digestArguments, redactArguments } from './redact.js';

describe('audit redaction', () => {
  it('masks secrets by key name at any depth', () => {
    expect(redactArguments({ token: 'abc', nested: { api_key: 'k', keep: 1 }, list: [{ password: 'p' }] }))
      .toEqual({ token: '[redacted]', nested: { api_key: '[redacted]', keep: 1 }, list: [{ password: '[redacted]' }] });
  });

  it('replaces long strings by length and hash', () => {
    const source = 'x'.repeat(5000);
    expect(redactArguments({ source })).toEqual({ source: expect.stringMatching(/^\[5000 chars sha256:[0-9a-f]{16}\]$/) });
  });

  it('digests arguments independently of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    // Code-point order: upper case before lower case, whatever the locale says.
    expect(canonicalJson({ b: 1, B: 2, a: 3, _: 4 })).toBe('{"B":2,"_":4,"a":3,"b":1}');
    expect(digestArguments({ a: 1, b: 2 })).toBe(digestArguments({ b: 2, a: 1 }));
    expect(digestArguments({ a: 1 })).not.toBe(digestArguments({ a: 2 }));
  });
});
