// Public API of the canary deployer: token-gated staged rollout of a verified sched_ext policy to a
// node, with the node agent enforcing the breaker. The MCP tools and `schedcp deploy|node` call
// only these functions.
//
//   deployPolicy(app, {token, node, [source|policyName|policyId|objectPath], plan}) → returns once the canary is live and its first check passed
//   deploymentStatus(app, id, {detail}) · listDeployments(app, {node}) · promoteDeployment(app, id) · pauseDeployment(app, id, paused) · rollbackDeployment(app, id, reason)
//   listNodes(app) · startNode(app, name, opts) · stopNode(app, name)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../app.js';
import { SchedcpError, quote } from '../errors.js';
import { run } from '../exec/index.js';
import { sha256Hex } from '../audit/index.js';
import { getPolicyById, getPolicyByName } from '../repository/index.js';
import { getVerification, sourceMismatch, verifiedObject, verifyToken, type TokenClaims } from '../verifier/index.js';
import { listNodeVms, nodeVmStatus, startNodeVm, stopNodeVm, type NodeVmOptions } from '../vm/node-vm.js';
import { Controller } from './controller.js';
import { baselineOf, gatesOf, resolvePlan, thresholdsOf, TERMINAL_STAGES, type Baseline, type KpiSample, type Plan, type Thresholds } from './plan.js';
import { DeploymentStore, deployerMigrations } from './store.js';

export { deployerMigrations } from './store.js';
export { resolvePlan, DEFAULT_PLAN, type Plan } from './plan.js';

interface Deployer { store: DeploymentStore; controller: Controller }

export function deployerOf(app: App): Deployer {
  return app.component('deployer', (a) => {
    const store = new DeploymentStore(a.db);
    return { store, controller: new Controller(a, store) };
  }, deployerMigrations);
}

export type DeploySource = { source: string; headers?: Record<string, string> } | { policyName: string; version?: number } | { policyId: number } | { objectPath: string };

export interface DeployInput {
  token: string;
  node: string;
  target?: 'vm-node' | 'local';
  /** Optional: the token alone names the verified object; a policy given must be what was verified. */
  policy?: DeploySource;
  plan?: Partial<Plan>;
}

export interface DeployOptions { signal?: AbortSignal; onProgress?: (done: number, total: number, message: string) => void }

/** The `local` target needs the opt-in and sched_ext on this host; this says which is missing. */
async function refuseLocal(app: App): Promise<never> {
  if (!app.config.deploy.allowLocalTarget) throw new SchedcpError('permission_denied', 'The local target changes this host\'s own scheduler and is off by default: set deploy.allowLocalTarget to true in the config to allow it. Use a vm-node (start_node) otherwise.');
  const { hostCapabilities } = await import('../host/index.js');
  const caps = await hostCapabilities({});
  const scx = caps.capabilities.find((c) => c.name === 'sched_ext');
  if (scx?.available && process.getuid?.() === 0) {
    throw new SchedcpError('unsupported', 'The local target needs the schedcp-node agent running on this host (`schedcp-node --listen /run/schedcp-node.sock`); managing a local agent is not built yet.');
  }
  throw new SchedcpError('unsupported', `The local target is refused on this host: ${scx?.detail ?? 'sched_ext is not available'}${process.getuid?.() === 0 ? '' : '; the server also does not run as root'}. Use a vm-node (start_node).`);
}

/**
 * The object to ship is the one the verifier kept under the token's hash, never a recompile. A
 * source or repository policy given beside the token must be what that verification compiled.
 */
function policyObject(app: App, claims: TokenClaims, policy: DeploySource | undefined, label: string): { bytes: Buffer; name: string; repositoryPolicyId: number | null } {
  const refuse = (why: string): never => { throw new SchedcpError('token_invalid', `Deploy refused, nothing was sent: ${why}.`); };
  let name = label, repositoryPolicyId: number | null = null;
  if (policy && 'objectPath' in policy) {
    let bytes: Buffer;
    try { bytes = readFileSync(policy.objectPath); } catch (error) {
      throw new SchedcpError('invalid_argument', `Cannot read the policy object ${quote(policy.objectPath)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
    const sha = sha256Hex(bytes);
    if (sha !== claims.policySha256) refuse(`the token is for policy object sha256 ${claims.policySha256.slice(0, 16)}…, not ${sha.slice(0, 16)}… (${policy.objectPath})`);
    name = policy.objectPath.split('/').pop()!.replace(/\.bpf\.o$|\.o$/, '');
  } else if (policy) {
    const given = 'source' in policy ? { source: policy.source, headers: policy.headers ?? {} }
      : (() => { const p = 'policyId' in policy ? getPolicyById(app, policy.policyId) : getPolicyByName(app, policy.policyName, policy.version); name = p.name; repositoryPolicyId = p.id; return { source: p.source, headers: p.headers ?? {} }; })();
    const why = sourceMismatch(claims, given.source, given.headers);
    if (why) refuse(why);
  }
  const bytes = verifiedObject(app.config.dataDir, claims.policySha256);
  return { bytes, name: name.replace(/ v\d+$/, '').replace(/\.bpf\.c$/, '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60) || 'policy', repositoryPolicyId };
}

/** DWARF is dropped before the object crosses the slow channel; BTF and the programs stay. */
async function stripDebug(bytes: Buffer): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'schedcp-strip-'));
  try {
    const src = join(dir, 'in.o'), dst = join(dir, 'out.o');
    writeFileSync(src, bytes);
    await run('llvm-strip-19', ['--strip-debug', '-o', dst, src], { timeoutMs: 30_000 });
    return readFileSync(dst);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function deployPolicy(app: App, input: DeployInput, options: DeployOptions = {}) {
  const progress = options.onProgress ?? (() => undefined);
  if (input.target === 'local') await refuseLocal(app);
  const plan = resolvePlan(input.plan);
  const node = nodeVmStatus(app.config.dataDir, input.node);
  if (!node.running) throw new SchedcpError('precondition_failed', `Node ${quote(input.node)} is down (its qemu is not running); start it with start_node.`);
  const { store, controller } = deployerOf(app);
  const active = store.activeOn(input.node);
  if (active) throw new SchedcpError('already_exists', `Node ${quote(input.node)} already runs deployment ${active.id} (${active.policyName}, stage ${active.stage}); wait for it, or rollback_deployment ${active.id}.`, { details: { deploymentId: active.id } });

  // The token comes first: nothing reaches the node unless it names this object, this node's kernel and canary.
  progress(0, 5, 'checking the token');
  const verdict = await verifyToken(app, input.token, { kernelRelease: node.kernelRelease, mode: 'canary' });
  if (!verdict.valid || !verdict.claims) throw new SchedcpError('token_invalid', `Deploy refused, nothing was sent to node ${quote(input.node)}: ${verdict.reason}.`);
  const claims = verdict.claims;
  const verification = getVerification(app, claims.evidenceId, 'summary');
  const obj = policyObject(app, claims, input.policy, verification.policyLabel);
  const policySha256 = claims.policySha256;
  const repositoryPolicyId = obj.repositoryPolicyId ?? verification.repositoryPolicyId;
  if (repositoryPolicyId !== null) {
    const p = getPolicyById(app, repositoryPolicyId);
    if (p.status === 'quarantined') throw new SchedcpError('precondition_failed', `Policy ${p.name} v${p.version} is quarantined after repeated trips; deploying it needs a new verified version.`);
  }
  const trips = store.tripsOf(policySha256);
  const k = app.config.repository.quarantineAfterDeployFailures;
  if (trips >= k) throw new SchedcpError('precondition_failed', `This policy object (sha256 ${policySha256.slice(0, 16)}…) tripped the breaker ${trips} times (limit ${k}); it is quarantined: verify a new version.`);

  progress(1, 5, `connecting to node ${input.node}`);
  const conn = await controller.connection(input.node);
  progress(2, 5, `sending the policy object to node ${input.node}`);
  const shipped = await stripDebug(obj.bytes);
  const objectSha256 = await conn.client.putObject(shipped);

  progress(3, 5, `capturing the baseline (${plan.baselineSeconds} s)`);
  const samples: KpiSample[] = [];
  const until = Date.now() + plan.baselineSeconds * 1000;
  const onSample = (m: { type: string }) => { if (m.type === 'sample' && Date.now() <= until) samples.push(m as unknown as KpiSample); };
  conn.client.on('message', onSample);
  await new Promise((r) => setTimeout(r, plan.baselineSeconds * 1000 + 100));
  conn.client.off('message', onSample);
  const baseline = baselineOf(samples);
  const thresholds = thresholdsOf(plan, baseline);

  const id = store.insert({
    node: input.node, policyName: obj.name, repositoryPolicyId, policySha256, objectSha256, verificationId: claims.evidenceId,
    tokenModes: claims.modes, stage: 'canary', breaker: 'closed', plan: { ...plan, thresholds },
  });
  store.update(id, { baseline: baseline as unknown as Record<string, number> });
  store.addEvent(id, 'token', { valid: true, kid: claims.kid, modes: claims.modes, verification: claims.evidenceId, policy_sha256: policySha256, shipped_sha256: objectSha256 });
  store.addEvent(id, 'baseline', { ...baseline });

  progress(4, 5, 'attaching the canary');
  controller.startHeartbeat(conn);
  const first = controller.waitFor(input.node, (m) => (m.type === 'sample' || m.type === 'rollback') && m.deployment === String(id), 30_000);
  const reply = await conn.client.request('deploy', { deployment: String(id), name: obj.name, sha256: objectSha256, mode: 'canary', ...thresholds }, 60_000);
  if (!reply.ok) {
    // The agent already restored the known-good policy (or stayed on the default) and sent a rollback.
    await controller.waitFor(input.node, (m) => m.type === 'rollback' && m.deployment === String(id), 10_000).catch(() => undefined);
    const row = store.get(id);
    if (!row.endedAt) store.update(id, { stage: 'rolled_back', breaker: 'open', trip: { kind: 'attach_failed', reason: reply.error, counts: true }, ended: true });
    throw new SchedcpError('dynamic_check_failed', `Deployment ${id}: the canary did not start on node ${input.node}: ${reply.error}`, { details: { deploymentId: id } });
  }
  store.addEvent(id, 'stage', { stage: 'canary', enable_seq: (reply.current as { enable_seq?: number } | null)?.enable_seq, sched_ext: reply.sched_ext });
  const check = await first;
  progress(5, 5, 'canary live; first check passed');
  if (check.type === 'rollback') return deploymentStatus(app, id);
  return deploymentStatus(app, id);
}

export async function deploymentStatus(app: App, id: number, options: { detail?: boolean } = {}) {
  const { store, controller } = deployerOf(app);
  const d = store.get(id);
  const samples = store.samples(id, options.detail ? 400 : 1);
  const current = samples.at(-1)?.sample as unknown as KpiSample | undefined;
  const thresholds = d.plan.thresholds as Thresholds | undefined;
  const events = store.events(id);
  return {
    id: d.id, node: d.node, policy: { name: d.policyName, repositoryPolicyId: d.repositoryPolicyId, sha256: d.policySha256, shippedSha256: d.objectSha256, verificationId: d.verificationId },
    tokenModes: d.tokenModes, stage: d.stage, live: !TERMINAL_STAGES.has(d.stage), paused: d.paused, breaker: d.breaker, createdAt: d.createdAt, stageStartedAt: d.stageStartedAt, endedAt: d.endedAt,
    plan: d.plan, baseline: d.baseline, connected: controller.connected(d.node),
    gates: d.baseline && thresholds ? gatesOf(current, d.baseline as unknown as Baseline, thresholds) : [],
    current: current ? { at: samples.at(-1)!.at, ...pick(current as unknown as Record<string, unknown>) } : null,
    trip: d.trip,
    events: options.detail ? events : events.slice(-12),
    ...(options.detail ? { samples: samples.map((s) => ({ at: s.at, stage: s.stage, ...pick(s.sample) })) } : {}),
  };
}

function pick(s: Record<string, unknown>) {
  return {
    sched_ext: s.sched_ext, wake_p50_us: s.wake_p50_us, wake_p99_us: s.wake_p99_us, req_p50_us: s.req_p50_us, req_p99_us: s.req_p99_us,
    batch_ops_per_s: s.batch_ops_per_s, max_not_run_ms: s.max_not_run_ms, agent_cpu_us: s.agent_cpu_us, interval_ms: s.interval_ms,
  };
}

export function listDeployments(app: App, filter: { node?: string; limit?: number } = {}) {
  return deployerOf(app).store.list(filter).map((d) => ({
    id: d.id, node: d.node, policy: d.policyName, stage: d.stage, breaker: d.breaker, createdAt: d.createdAt, endedAt: d.endedAt,
    trip: d.trip ? { kind: d.trip.kind, reason: d.trip.reason } : null,
  }));
}

export async function promoteDeployment(app: App, id: number) {
  const { store, controller } = deployerOf(app);
  const d = store.get(id);
  if (d.stage !== 'canary' && d.stage !== 'awaiting_approval') throw new SchedcpError('precondition_failed', `Deployment ${id} is at stage ${d.stage}; only a canary can be promoted.`);
  if (!d.tokenModes.includes('full')) throw new SchedcpError('token_invalid', `Deployment ${id}'s token allows ${d.tokenModes.join(', ')} only: a canary-only token never reaches full (verify with the performance check).`);
  await controller.promote(d.node, id);
  return deploymentStatus(app, id);
}

/** An operator hold: the breaker stays armed, but no automatic promotion or known-good until resumed. */
export async function pauseDeployment(app: App, id: number, paused: boolean) {
  const { store } = deployerOf(app);
  const d = store.get(id);
  if (TERMINAL_STAGES.has(d.stage)) throw new SchedcpError('precondition_failed', `Deployment ${id} already ended (${d.stage}); there is nothing to ${paused ? 'pause' : 'resume'}.`);
  if (d.paused === paused) throw new SchedcpError('precondition_failed', `Deployment ${id} is already ${paused ? 'paused' : 'running (not paused)'}.`);
  store.update(id, { paused });
  store.addEvent(id, paused ? 'paused' : 'resumed', { stage: d.stage });
  return deploymentStatus(app, id);
}

export async function rollbackDeployment(app: App, id: number, reason = 'requested by the operator') {
  const { store, controller } = deployerOf(app);
  const d = store.get(id);
  if (TERMINAL_STAGES.has(d.stage)) throw new SchedcpError('precondition_failed', `Deployment ${id} already ended (${d.stage}).`);
  const conn = await controller.connection(d.node);
  const done = controller.waitFor(d.node, (m) => m.type === 'rollback' && m.deployment === String(id), 30_000);
  const reply = await conn.client.request('rollback', { deployment: String(id), reason }, 30_000);
  if (!reply.ok) throw new SchedcpError('precondition_failed', `Node ${d.node} refused the rollback of deployment ${id}: ${reply.error}`);
  await done;
  await new Promise((r) => setTimeout(r, 50)); // let the controller write the rollback record
  return deploymentStatus(app, id);
}

export async function listNodes(app: App) {
  const { store } = deployerOf(app);
  return listNodeVms(app.config.dataDir).map((n) => {
    const active = store.activeOn(n.name);
    const kg = store.knownGood(n.name);
    return {
      name: n.name, target: n.target, running: n.running, pid: n.pid, kernelRelease: n.kernelRelease, accel: n.accel, cpus: n.cpus, memoryMiB: n.memoryMiB,
      startedAt: n.startedAt, consoleLog: n.consoleLog, activeDeployment: active ? { id: active.id, policy: active.policyName, stage: active.stage } : null,
      knownGood: kg ? { policy: kg.policyName, deploymentId: kg.deploymentId, since: kg.since } : null,
    };
  });
}

export async function startNode(app: App, name: string, options: NodeVmOptions & { target?: 'vm-node' | 'local' } = {}) {
  if (options.target === 'local') await refuseLocal(app);
  await startNodeVm(app.config, name, options);
  // A node is started when its agent answers: the boot takes a few seconds under TCG.
  const { controller } = deployerOf(app);
  await controller.connection(name);
  return (await listNodes(app)).find((n) => n.name === name)!;
}

export async function stopNode(app: App, name: string) {
  const { store, controller } = deployerOf(app);
  const active = store.activeOn(name);
  if (active) throw new SchedcpError('precondition_failed', `Node ${quote(name)} runs deployment ${active.id} (stage ${active.stage}); rollback_deployment ${active.id} first.`);
  await controller.closeNode(name);
  return stopNodeVm(app.config.dataDir, name);
}

/** After a server restart: reconnect to every node with a live deployment and report the true state. */
export async function resumeDeployments(app: App): Promise<void> {
  const { store, controller } = deployerOf(app);
  for (const d of store.active()) {
    try {
      const conn = await controller.connection(d.node);
      // What the agent did while nobody listened (a dead-man rollback, a trip) comes back first, as
      // the same trip/rollback events it sent then: the controller records them like live ones.
      await conn.client.request('replay', {});
      if (store.get(d.id).endedAt) continue;
      const st = await conn.client.request('status', {});
      const cur = st.current as { deployment?: string | null; role?: string; name?: string } | null;
      if (cur?.deployment === String(d.id) && cur.role === 'deployment') {
        controller.startHeartbeat(conn);
        store.addEvent(d.id, 'reconnected', { sched_ext: st.sched_ext, mode: (st.current as { mode?: string }).mode });
      } else {
        const tripped = (st.tripped as string[]).includes(d.objectSha256);
        const trip = {
          kind: 'control_plane_restart', counts: false, sched_ext: st.sched_ext,
          reason: `after a server restart node ${d.node} no longer runs deployment ${d.id} (it runs ${cur ? `${cur.name} as ${cur.role}` : 'the default scheduler'}${tripped ? '; the agent rolled the policy back while the server was away' : ''})`,
        };
        store.update(d.id, { stage: 'lost', breaker: 'open', trip, ended: true });
        store.addEvent(d.id, 'lost', trip);
      }
    } catch (error) {
      store.addEvent(d.id, 'reconnect_failed', { error: (error as Error).message });
    }
  }
}
