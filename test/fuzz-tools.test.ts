// Property-based fuzzing of every tool in the registry through the real server (Streamable HTTP,
// SDK client). Arguments come from each tool's own input schema (as tools/list gives it) and are
// then broken by exactly one mutation the schema must reject, with hostile strings riding along.
// Seeded and bounded: the same calls on every run. Afterwards: nothing written but audit rows, no
// process, BPF program or mount left behind, and the server still answers.
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { startHttpServer, type HttpServer } from './helpers/mcp.js';
import { broken, valid, type JsonSchema } from './helpers/fuzz-schema.js';
import { bpfProgramsOwnedBy, dataFiles, descendants, suspectMounts, tableDigests } from './helpers/leftovers.js';

const SEED = 1414;
const BROKEN_RUNS = 12;
const HOSTILE_RUNS = 4;
const TOKEN = 'fuzz-all-scopes-token-0123456789abcdef';
const AUDIT_TABLES = new Set(['audit_log', 'audit_counters']);
/** Read-only tools that record what they observe, by design (docs/analysis.md: signal history). */
const OBSERVATION_TABLES = new Set(['signal_samples']);
const unlimited = { perMinute: 1_000_000, burst: 1_000_000 };

let server: HttpServer;
let client: Client;
let tools: Array<{ name: string; inputSchema: JsonSchema; annotations?: { readOnlyHint?: boolean } }>;
let dbPath: string;
let before: { tables: Record<string, string>; files: Record<string, number>; mounts: string[] };

/** What a client may get back for bad input: an isError result, or a JSON-RPC invalid-params error. Never anything else. */
async function callJudged(name: string, args: Record<string, unknown>): Promise<{ kind: 'error' | 'ok'; text: string }> {
  try {
    const r = await client.callTool({ name, arguments: args });
    const text = (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join(' ');
    return { kind: r.isError ? 'error' : 'ok', text };
  } catch (error) {
    const e = error as { code?: number | string; message: string };
    if (e.code === -32602) return { kind: 'error', text: e.message };
    // An oversized body is refused at the HTTP layer (413, documented); the server closes that
    // connection, so the next call gets a fresh client.
    if (/Payload too large: the limit is \d+ bytes/.test(e.message)) { client = await server.connect(TOKEN); return { kind: 'error', text: e.message }; }
    throw new Error(`protocol failure for ${name} ${JSON.stringify(args).slice(0, 300)}: ${e.code} ${e.message}`);
  }
}

beforeAll(async () => {
  server = await startHttpServer({
    tokens: [{ name: 'fuzz', token: TOKEN, scopes: ['read', 'verify', 'deploy', 'tune'] }],
    http: { rateLimits: { read: unlimited, verify: unlimited, deploy: unlimited, tune: unlimited } },
  });
  client = await server.connect(TOKEN);
  tools = (await client.listTools()).tools as typeof tools;
  dbPath = join(server.env.dataDir, 'schedcp.db');
  // Warm-up: each component creates its tables and seeds itself on first use; that is not the fuzzer's doing.
  for (const t of tools.filter((x) => x.annotations?.readOnlyHint)) {
    const [args] = fc.sample(valid(t.inputSchema, true), { seed: SEED, numRuns: 1 }) as Array<Record<string, unknown>>;
    await callJudged(t.name, args ?? {}).catch(() => undefined);
  }
  await callJudged('list_tunables', { query: 'swap pressure' }); // the tunables' search index is built on the first query
  before = { tables: tableDigests(dbPath, AUDIT_TABLES), files: dataFiles(server.env.dataDir), mounts: suspectMounts(server.env.dataDir) };
});

afterAll(async () => { await server?.close(); });

describe('fuzzing every tool', () => {
  it('has a strict input schema on every tool (unknown fields are errors)', () => {
    expect(tools.length).toBeGreaterThan(20);
    expect(tools.filter((t) => t.inputSchema.additionalProperties !== false).map((t) => t.name)).toEqual([]);
  });

  it('answers every broken call with an error result or a schema error, never a protocol failure or an internal error', async () => {
    for (const tool of tools) {
      await fc.assert(fc.asyncProperty(broken(tool.inputSchema), async ({ args, why }) => {
        const r = await callJudged(tool.name, args);
        expect(r.kind, `${tool.name} accepted ${why}: ${JSON.stringify(args).slice(0, 300)}`).toBe('error');
        expect(r.text, `${tool.name} ${why}`).not.toMatch(/^internal:/);
        expect(r.text.length, `${tool.name} ${why}: empty error`).toBeGreaterThan(10);
      }), { seed: SEED, numRuns: BROKEN_RUNS, endOnFailure: true });
      // Still answering after each tool's batch.
      expect((await client.callTool({ name: 'host_capabilities', arguments: {} })).isError).toBeFalsy();
    }
  });

  it('has written nothing but audit rows, left no file, process, BPF program or mount behind', async () => {
    const after = tableDigests(dbPath, AUDIT_TABLES);
    expect(after).toEqual(before.tables);
    expect(dataFiles(server.env.dataDir)).toEqual(before.files);
    const pid = server.process.pid!;
    expect(descendants(pid)).toEqual([]);
    expect(bpfProgramsOwnedBy(new Set([pid]))).toEqual([]);
    expect(suspectMounts(server.env.dataDir)).toEqual(before.mounts);
    // Schema rejections happen in the SDK before the tool wrapper, so they leave no audit row;
    // calls that pass the schema and fail in a component are audited (not asserted here).
  });

  it('survives hostile strings in valid positions of read-only tools (only observations recorded)', async () => {
    const tablesBefore = tableDigests(dbPath, new Set([...AUDIT_TABLES, ...OBSERVATION_TABLES]));
    for (const tool of tools.filter((t) => t.annotations?.readOnlyHint)) {
      await fc.assert(fc.asyncProperty(valid(tool.inputSchema, true) as fc.Arbitrary<Record<string, unknown>>, async (args) => {
        const r = await callJudged(tool.name, args);
        expect(r.text, `${tool.name} ${JSON.stringify(args).slice(0, 300)}`).not.toMatch(/^internal:/);
      }), { seed: SEED, numRuns: HOSTILE_RUNS, endOnFailure: true });
    }
    expect(tableDigests(dbPath, new Set([...AUDIT_TABLES, ...OBSERVATION_TABLES]))).toEqual(tablesBefore);
    expect(descendants(server.process.pid!)).toEqual([]);
    expect((await client.listTools()).tools.length).toBe(tools.length);
  });
});
