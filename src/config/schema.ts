// The one schema for every setting. Each component reads its own section; unknown keys are errors
// so a typo in a config file is reported instead of silently ignored.
import { z } from 'zod';

export const SCOPES = ['read', 'verify', 'deploy', 'tune', 'approve'] as const;
export type Scope = (typeof SCOPES)[number];
/** Scopes only a human holds (the operator console, the CLI): never given to an agent's generated token or to stdio. */
export const HUMAN_SCOPES: readonly Scope[] = ['approve'];
export const AGENT_SCOPES: readonly Scope[] = SCOPES.filter((s) => !HUMAN_SCOPES.includes(s));
/** Repository decisions config approval.requireHumanFor can reserve to a human. */
export const APPROVAL_ACTIONS = ['promote_policy', 'release_quarantine'] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

const rateLimit = z.object({
  /** Sustained calls per minute for one client in this tool class. */
  perMinute: z.number().int().positive(),
  /** Calls allowed back to back before the sustained rate applies. */
  burst: z.number().int().positive(),
}).strict();

export const configSchema = z.object({
  dataDir: z.string().min(1).optional(),
  cacheDir: z.string().min(1).optional(),
  http: z.object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(7345),
    /** Extra Host header names accepted besides loopback names (DNS-rebinding defence). */
    allowedHosts: z.array(z.string().min(1)).default([]),
    /** Extra Origin hostnames accepted besides loopback (browsers send Origin; CLIs usually do not). */
    allowedOrigins: z.array(z.string().min(1)).default([]),
    maxBodyBytes: z.number().int().positive().max(64 * 1024 * 1024).default(1024 * 1024),
    /** A static token that may scrape /metrics and nothing else (scrapers keep tokens in files); tokens with scope "read" may scrape too. */
    metricsToken: z.string().min(24, 'tokens must be at least 24 characters').optional(),
    /** 2025-era clients that send initialize get a session (one server, reused); these bound them. */
    sessions: z.object({
      maxPerToken: z.number().int().min(1).max(10_000).default(64),
      idleSeconds: z.number().int().min(1).max(7 * 24 * 3600).default(1800),
      /**
       * Answer each request of a session with one application/json body instead of an SSE stream:
       * ~30% less CPU per call on both ends, but no progress or log notifications while a tool runs.
       */
      jsonResponses: z.boolean().default(false),
    }).strict().default({ maxPerToken: 64, idleSeconds: 1800, jsonResponses: false }),
    rateLimits: z.object({
      read: rateLimit.default({ perMinute: 600, burst: 60 }),
      verify: rateLimit.default({ perMinute: 20, burst: 5 }),
      deploy: rateLimit.default({ perMinute: 10, burst: 3 }),
      tune: rateLimit.default({ perMinute: 30, burst: 10 }),
      approve: rateLimit.default({ perMinute: 30, burst: 10 }),
    }).strict().default({
      read: { perMinute: 600, burst: 60 }, verify: { perMinute: 20, burst: 5 },
      deploy: { perMinute: 10, burst: 3 }, tune: { perMinute: 30, burst: 10 }, approve: { perMinute: 30, burst: 10 },
    }),
  }).strict().default({
    host: '127.0.0.1', port: 7345, allowedHosts: [], allowedOrigins: [], maxBodyBytes: 1024 * 1024,
    sessions: { maxPerToken: 64, idleSeconds: 1800, jsonResponses: false },
    rateLimits: {
      read: { perMinute: 600, burst: 60 }, verify: { perMinute: 20, burst: 5 },
      deploy: { perMinute: 10, burst: 3 }, tune: { perMinute: 30, burst: 10 }, approve: { perMinute: 30, burst: 10 },
    },
  }),
  /** Bearer tokens for the HTTP transport. Empty: one is generated on first start and stored in the data dir. */
  tokens: z.array(z.object({
    name: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    token: z.string().min(24, 'tokens must be at least 24 characters'),
    scopes: z.array(z.enum(SCOPES)).min(1),
  }).strict()).default([]),
  audit: z.object({
    /** Read-only calls are always counted; one in N is also written as a full row. 1 = all. */
    readSampleEvery: z.number().int().min(1).default(10),
  }).strict().default({ readSampleEvery: 10 }),
  limits: z.object({
    maxPolicySourceBytes: z.number().int().positive().default(256 * 1024),
    maxStringBytes: z.number().int().positive().default(64 * 1024),
  }).strict().default({ maxPolicySourceBytes: 256 * 1024, maxStringBytes: 64 * 1024 }),
  vm: z.object({
    accel: z.enum(['auto', 'kvm', 'tcg']).default('auto'),
    maxConcurrent: z.number().int().min(1).max(16).default(1),
    memoryMiB: z.number().int().min(256).max(8192).default(1024),
    cpus: z.number().int().min(1).max(8).default(2),
    timeoutSeconds: z.number().int().min(5).max(3600).default(120),
  }).strict().default({ accel: 'auto', maxConcurrent: 1, memoryMiB: 1024, cpus: 2, timeoutSeconds: 120 }),
  analysis: z.object({
    /** Commands run_workload may run besides the built-in registry: name → argv. */
    workloadCommands: z.record(z.string().regex(/^[a-z0-9_-]+$/), z.array(z.string()).min(1)).default({}),
    maxProbeSeconds: z.number().int().min(1).max(3600).default(60),
  }).strict().default({ workloadCommands: {}, maxProbeSeconds: 60 }),
  repository: z.object({
    embedding: z.enum(['use-lite', 'transformers', 'hashing']).default('use-lite'),
    /** Local folder of an ONNX sentence-embedding model for the `transformers` provider. */
    transformersModelPath: z.string().optional(),
    allowRemoteModels: z.boolean().default(false),
    /** Trials on a target workload a verified policy must win (bootstrap CI) before promotion. */
    promoteAfterTrials: z.number().int().min(1).max(100).default(3),
    /** Consecutive failed/rolled-back deployments that quarantine a policy. */
    quarantineAfterDeployFailures: z.number().int().min(1).max(100).default(2),
  }).strict().default({ embedding: 'use-lite', allowRemoteModels: false, promoteAfterTrials: 3, quarantineAfterDeployFailures: 2 }),
  tuning: z.object({
    /** Live writes to /proc/sys happen only when this is true and the server runs as root. */
    liveApply: z.boolean().default(false),
    /** Narrow the knowledge base's allow-list to these keys (empty: the whole KB). */
    allow: z.array(z.string()).default([]),
  }).strict().default({ liveApply: false, allow: [] }),
  remediation: z.object({
    /** Name of the subtree schedcp creates under each cgroup hierarchy for the cgroups it moves processes into. */
    cgroupRoot: z.string().regex(/^\/[A-Za-z0-9_.-]+$/, 'one path segment such as "/schedcp"').default('/schedcp'),
    /** Cgroup roots (paths inside a hierarchy, e.g. "/batch.slice") whose cgroups adjust_cgroup may change; schedcp's own root is always allowed. */
    allowedCgroupRoots: z.array(z.string().regex(/^\/[A-Za-z0-9_.:@\/-]*$/)).default([]),
    /** Owners besides the server's own uid whose processes may be adjusted. */
    allowedUids: z.array(z.number().int().min(0)).default([]),
    allowAnyUser: z.boolean().default(false),
    defaultTtlSeconds: z.number().int().min(1).max(86_400).default(600),
    maxTtlSeconds: z.number().int().min(1).max(86_400).default(3600),
    maxNiceStep: z.number().int().min(1).max(19).default(10),
    minCpuPercent: z.number().min(1).max(100).default(10),
    minCpuWeight: z.number().int().min(1).max(10_000).default(10),
    rateLimit: z.object({ actions: z.number().int().min(1).default(3), perSeconds: z.number().int().min(1).default(60) }).strict().default({ actions: 3, perSeconds: 60 }),
  }).strict().default({ cgroupRoot: '/schedcp', allowedCgroupRoots: [], allowedUids: [], allowAnyUser: false, defaultTtlSeconds: 600, maxTtlSeconds: 3600, maxNiceStep: 10, minCpuPercent: 10, minCpuWeight: 10, rateLimit: { actions: 3, perSeconds: 60 } }),
  deploy: z.object({
    /** The `local` target puts a policy on this host's own scheduler: opt-in, like live sysctl changes. VM nodes need nothing. */
    allowLocalTarget: z.boolean().default(false),
  }).strict().default({ allowLocalTarget: false }),
  approval: z.object({
    /** Decisions an agent may not take alone: approve_policy then needs a caller with scope "approve" (the console, the CLI). */
    requireHumanFor: z.array(z.enum(APPROVAL_ACTIONS)).default(['promote_policy']),
  }).strict().default({ requireHumanFor: ['promote_policy'] }),
  verifier: z.object({
    /** How long a deployment token stays valid after a passing verification. */
    tokenTtlHours: z.number().int().min(1).max(24 * 90).default(168),
  }).strict().default({ tokenTtlHours: 168 }),
}).strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema> & { dataDir: string; cacheDir: string; configPath: string | undefined };
