// The shape of one MCP tool: schema in and out, honest annotations, the scope that gates it, and a
// thin `run` that calls one component function. Adapters in src/tools/ are written with defineTool.
import type { z } from 'zod';
import type { App } from '../app.js';
import type { Scope } from '../config/index.js';

export interface Caller {
  /** Token name over HTTP, "stdio" for a local client, "cli" for the command line. */
  id: string;
  transport: 'stdio' | 'http' | 'rest' | 'cli';
  scopes: ReadonlySet<Scope>;
}

export interface ToolContext {
  app: App;
  caller: Caller;
  /** Aborted when the client cancels the call or the transport closes. */
  signal: AbortSignal;
  /** Progress notification to the client (no-op when the client sent no progress token). */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** An MCP log message to the client (also written to stderr). */
  log(level: 'debug' | 'info' | 'warning' | 'error', message: string): Promise<void>;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolSpec<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  /** The HTTP scope a caller needs; also the rate-limit class. */
  scope: Scope;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run(args: z.output<I>, ctx: ToolContext): Promise<z.input<O>>;
  /** Optional short text for the content block; defaults to compact JSON of the result. */
  summarize?(result: z.output<O>): string;
}

/** Identity helper that keeps the input/output types tied together. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(spec: ToolSpec<I, O>): ToolSpec<I, O> {
  return spec;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyToolSpec = ToolSpec<any, any>;
