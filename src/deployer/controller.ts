// The server side of running deployments: one channel per node, heartbeats while a deployment is
// live, and the agent's samples, trips and rollbacks turned into records, stage changes and
// repository outcomes. The agent enforces the breaker itself; this only observes and promotes.
import type { App } from '../app.js';
import { recordRollback } from '../metrics/registry.js';
import { recordOutcome } from '../repository/index.js';
import { nodeVmStatus } from '../vm/node-vm.js';
import { NodeClient, type AgentMessage } from './node-client.js';
import { gatesOf, nextStep, tripCounts, TERMINAL_STAGES, type Baseline, type KpiSample, type Plan, type Thresholds } from './plan.js';
import type { DeploymentRow, DeploymentStore } from './store.js';

const HEARTBEAT_MS = 1000;

interface Conn { client: NodeClient; latest?: AgentMessage; heartbeat?: NodeJS.Timeout; agentPid?: number }

export type Waiter = (msg: AgentMessage) => boolean;

export class Controller {
  private conns = new Map<string, Promise<Conn>>();
  private closing = false;
  private waiters = new Set<{ node: string; test: Waiter; resolve: (m: AgentMessage) => void }>();

  constructor(private readonly app: App, private readonly store: DeploymentStore) {
    app.onClose(() => this.closeAll());
  }

  connection(node: string): Promise<Conn> {
    let c = this.conns.get(node);
    if (!c) {
      const status = nodeVmStatus(this.app.config.dataDir, node);
      c = NodeClient.open(status.socket, node, { timeoutMs: 90_000 }).then(({ client, hello }) => {
        const conn: Conn = { client, agentPid: hello.agent_pid as number };
        client.on('message', (m) => this.onMessage(node, conn, m));
        client.on('close', () => this.onClose(node, conn));
        return conn;
      });
      c.catch(() => this.conns.delete(node));
      this.conns.set(node, c);
    }
    return c;
  }

  /** Resolves with the first message from `node` that passes `test` (or rejects after timeoutMs). */
  waitFor(node: string, test: Waiter, timeoutMs: number): Promise<AgentMessage> {
    return new Promise((resolve, reject) => {
      const w = { node, test, resolve: (m: AgentMessage) => { clearTimeout(timer); resolve(m); } };
      const timer = setTimeout(() => { this.waiters.delete(w); reject(new Error(`no matching message from node ${node} within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiters.add(w);
    });
  }

  startHeartbeat(conn: Conn): void {
    conn.heartbeat ??= setInterval(() => { conn.client.request('heartbeat', {}, 5000).catch(() => undefined); }, HEARTBEAT_MS);
  }

  stopHeartbeat(conn: Conn): void {
    if (conn.heartbeat) clearInterval(conn.heartbeat);
    delete conn.heartbeat;
  }

  private onMessage(node: string, conn: Conn, msg: AgentMessage): void {
    if (msg.type === 'sample') conn.latest = msg;
    for (const w of [...this.waiters]) if (w.node === node && w.test(msg)) { this.waiters.delete(w); w.resolve(msg); }
    const dep = this.store.activeOn(node);
    if (!dep) return;
    const forDep = typeof msg.deployment === 'string' && msg.deployment === String(dep.id);
    try {
      if (msg.type === 'sample' && forDep) this.onSample(node, conn, dep, msg);
      else if (msg.type === 'trip' && forDep) this.onTrip(dep, msg);
      else if (msg.type === 'rollback' && forDep) void this.onRollback(conn, dep, msg);
      else if (msg.type === 'hello' && msg.agent_pid !== conn.agentPid) {
        conn.agentPid = msg.agent_pid as number;
        this.end(conn, dep, 'lost', { kind: 'agent_restarted', counts: false, reason: 'the node agent restarted (killed?): the kernel unloaded the policy when its BPF link closed; the new agent runs the default scheduler', sched_ext: msg.sched_ext });
      }
    } catch (error) {
      this.app.logger.log('error', 'deployer: handling a node message failed', { node, error: String(error) });
    }
  }

  private onSample(node: string, conn: Conn, dep: DeploymentRow, msg: AgentMessage): void {
    // Downsampling: every sample for the first 240 (1 min at 250 ms), then one in four.
    const n = this.store.sampleCount(dep.id);
    if (n < 240 || (msg.seq as number) % 4 === 0) this.store.addSample(dep.id, dep.stage, msg);
    if (dep.stage !== 'canary' && dep.stage !== 'full') return;
    const stageSeconds = (Date.now() - Date.parse(dep.stageStartedAt)) / 1000;
    const gatesOk = !dep.baseline || gatesOf(msg as unknown as KpiSample, dep.baseline as unknown as Baseline, dep.plan.thresholds as Thresholds).every((g) => g.ok);
    const step = nextStep(dep.stage, stageSeconds, dep.plan as unknown as Plan, dep.tokenModes.includes('full'), { gatesOk, paused: dep.paused });
    if (step === 'promote') void this.promote(node, dep.id).catch(() => undefined);
    else if (step === 'await_approval') {
      this.store.update(dep.id, { stage: 'awaiting_approval' });
      this.store.addEvent(dep.id, 'stage', { stage: 'awaiting_approval', reason: dep.tokenModes.includes('full') ? 'plan.requireApproval: call promote_deployment' : 'the token allows canary only; verify with the perf check for a full token' });
    } else if (step === 'mark_known_good') void this.markKnownGood(node, conn, dep).catch(() => undefined);
  }

  private promoting = new Set<number>();

  async promote(node: string, id: number): Promise<void> {
    if (this.promoting.has(id)) return;
    this.promoting.add(id);
    try {
      const dep = this.store.get(id);
      const conn = await this.connection(node);
      const reply = await conn.client.request('deploy', { deployment: String(id), name: dep.policyName, sha256: dep.objectSha256, mode: 'full', ...(dep.plan.thresholds as object) }, 30_000);
      if (reply.ok) {
        this.store.update(id, { stage: 'full' });
        this.store.addEvent(id, 'stage', { stage: 'full', enable_seq: (reply.current as { enable_seq?: number } | null)?.enable_seq, sched_ext: reply.sched_ext });
      } else {
        this.store.addEvent(id, 'promote_failed', { error: reply.error });
      }
    } finally {
      this.promoting.delete(id);
    }
  }

  private async markKnownGood(node: string, conn: Conn, dep: DeploymentRow): Promise<void> {
    if (this.promoting.has(dep.id)) return;
    this.promoting.add(dep.id);
    try {
      const reply = await conn.client.request('set_known_good', { sha256: dep.objectSha256, name: dep.policyName });
      if (!reply.ok) { this.store.addEvent(dep.id, 'known_good_failed', { error: reply.error }); return; }
      this.store.setKnownGood({ node, policyName: dep.policyName, policySha256: dep.policySha256, objectSha256: dep.objectSha256, deploymentId: dep.id });
      this.store.update(dep.id, { stage: 'known_good', ended: true });
      this.store.addEvent(dep.id, 'stage', { stage: 'known_good' });
      this.stopHeartbeat(conn);
      await this.outcome(dep, 'success', `ran full on node ${node} for ${String(dep.plan.knownGoodSeconds)} s with green gates; now the node's known-good policy`);
    } finally {
      this.promoting.delete(dep.id);
    }
  }

  private onTrip(dep: DeploymentRow, msg: AgentMessage): void {
    const detected = msg.detected_ms as number, cause = msg.cause_ms as number;
    const trip = {
      kind: msg.kind, reason: msg.reason, counts: tripCounts(msg.kind as string), stage: dep.stage,
      detection_ms: Math.max(0, detected - cause), since_attach_ms: detected - (msg.attached_ms as number), evidence: msg.evidence,
    };
    this.store.update(dep.id, { breaker: 'open', trip });
    this.store.addEvent(dep.id, 'trip', trip);
  }

  private async onRollback(conn: Conn, dep: DeploymentRow, msg: AgentMessage): Promise<void> {
    const restored = msg.restored as string;
    const detail = {
      ...(msg.replay ? { replayed: true } : {}), reason: msg.reason, why: msg.why, restored, known_good: msg.known_good, detach_ms: msg.detach_ms, restore_ms: msg.restore_ms,
      detection_to_restored_ms: (msg.done_ms as number) - (msg.detected_ms as number), disabled: msg.disabled, restore_error: msg.restore_error, sched_ext: msg.sched_ext,
    };
    this.store.addEvent(dep.id, 'rollback', detail);
    const failed = restored === 'failed';
    const fresh = this.store.get(dep.id);
    const trip = fresh.trip ?? { kind: msg.reason, reason: msg.why ?? msg.reason, counts: tripCounts(msg.reason as string) };
    recordRollback(String(trip.kind), restored, detail.detection_to_restored_ms);
    this.store.update(dep.id, { stage: failed ? 'rollback_failed' : msg.reason === 'manual' ? 'aborted' : 'rolled_back', breaker: 'open', trip: { ...trip, rollback: detail }, ended: true });
    this.stopHeartbeat(conn);
    if (failed) this.app.logger.log('error', 'deployer: ROLLBACK FAILED', { deployment: dep.id, node: dep.node, detail });
    await this.outcome(dep, 'rolled_back', `${String(trip.kind)} on node ${dep.node} during ${dep.stage}: ${String(trip.reason)}; restored ${restored}`, trip.counts as boolean);
  }

  private end(conn: Conn, dep: DeploymentRow, stage: 'lost', trip: Record<string, unknown>): void {
    this.store.update(dep.id, { stage, breaker: 'open', trip, ended: true });
    this.store.addEvent(dep.id, 'lost', trip);
    this.stopHeartbeat(conn);
    void this.outcome(dep, 'failure', `${String(trip.reason)}`, trip.counts as boolean);
  }

  /** Deployment evidence goes to the repository from these records (its curation quarantines after K). */
  private async outcome(dep: DeploymentRow, result: 'success' | 'failure' | 'rolled_back', detail: string, counts = true): Promise<void> {
    if (dep.repositoryPolicyId === null || !counts) return;
    try {
      await recordOutcome(this.app, { policy: { id: dep.repositoryPolicyId }, source: 'deployment', deployment: { result, detail: `deployment ${dep.id}: ${detail}`.slice(0, 2000), host: dep.node } });
    } catch (error) {
      this.app.logger.log('error', 'deployer: record_outcome failed', { deployment: dep.id, error: String(error) });
    }
  }

  private onClose(node: string, conn: Conn): void {
    this.stopHeartbeat(conn);
    this.conns.delete(node);
    if (this.closing) return; // the app is shutting down: its database is closed, and nothing was lost
    const dep = this.store.activeOn(node);
    if (dep && !TERMINAL_STAGES.has(dep.stage)) this.store.addEvent(dep.id, 'channel_closed', { note: 'the channel to the node closed; the agent keeps enforcing the breaker and rolls back after the dead-man timeout without heartbeats' });
  }

  latest(node: string): Promise<AgentMessage | undefined> {
    const c = this.conns.get(node);
    return c ? c.then((x) => x.latest).catch(() => undefined) : Promise.resolve(undefined);
  }

  async closeNode(node: string): Promise<void> {
    const c = this.conns.get(node);
    this.conns.delete(node);
    if (c) try { const conn = await c; this.stopHeartbeat(conn); conn.client.close(); } catch { /* never opened */ }
  }

  connected(node: string): boolean {
    return this.conns.has(node);
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    for (const c of this.conns.values()) {
      try { const conn = await c; this.stopHeartbeat(conn); conn.client.close(); } catch { /* never opened */ }
    }
    this.conns.clear();
  }
}
