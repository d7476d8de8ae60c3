// Client side of the node agent protocol (v1, sandbox-vm/README.md "Node agent protocol"):
// line-delimited JSON over a unix socket (the VM node's second serial port as qemu exposes it, or
// the local agent's socket). Requests carry an id; replies, samples, trips and rollbacks arrive as
// events. One client per channel: qemu's socket chardev serves one connection at a time.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { SchedcpError, quote } from '../errors.js';

export const NODE_PROTOCOL = 1;

export interface AgentMessage { v: number; type: string; [key: string]: unknown }
export interface AgentReply extends AgentMessage { type: 'reply'; id: number; cmd: string | null; ok: boolean; error: string | null }

export interface NodeClientEvents {
  message: [AgentMessage];
  close: [];
}

export class NodeClient extends EventEmitter<NodeClientEvents> {
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: AgentReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private buffer = '';
  closed = false;

  private constructor(private readonly socket: Socket, readonly node: string) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.onClose());
    socket.on('error', () => { /* close follows */ });
  }

  /** Connects and waits for the agent to answer `hello` (it retries: a booting agent is not listening yet). */
  static async open(socketPath: string, node: string, options: { timeoutMs?: number } = {}): Promise<{ client: NodeClient; hello: AgentReply }> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(socketPath);
      s.once('connect', () => resolve(s));
      s.once('error', (e) => reject(new SchedcpError('precondition_failed', `Node ${quote(node)} is down: cannot connect to its channel ${socketPath} (${e.message}).`)));
    });
    const client = new NodeClient(socket, node);
    for (;;) {
      try {
        const hello = await client.request('hello', {}, 1500);
        if (hello.protocol !== NODE_PROTOCOL) throw new SchedcpError('unsupported', `Node ${quote(node)} speaks agent protocol ${String(hello.protocol)}; this schedcp speaks ${NODE_PROTOCOL}.`);
        return { client, hello };
      } catch (error) {
        if (error instanceof SchedcpError && error.code === 'unsupported') { client.close(); throw error; }
        if (client.closed || Date.now() > deadline) {
          client.close();
          throw new SchedcpError('precondition_failed', `Node ${quote(node)} is down or busy: its agent did not answer within ${options.timeoutMs ?? 60_000} ms (another schedcp process may hold the channel).`);
        }
      }
    }
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.startsWith('{')) continue; // serial noise before the agent set raw mode
      let msg: AgentMessage;
      try { msg = JSON.parse(line) as AgentMessage; } catch { continue; }
      if (msg.type === 'reply') {
        const p = this.pending.get((msg as AgentReply).id);
        if (p) { clearTimeout(p.timer); this.pending.delete((msg as AgentReply).id); p.resolve(msg as AgentReply); }
      }
      this.emit('message', msg);
    }
  }

  private onClose(): void {
    this.closed = true;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new SchedcpError('precondition_failed', `The channel to node ${quote(this.node)} closed.`)); }
    this.pending.clear();
    this.emit('close');
  }

  request(cmd: string, fields: Record<string, unknown>, timeoutMs = 15_000): Promise<AgentReply> {
    if (this.closed) return Promise.reject(new SchedcpError('precondition_failed', `The channel to node ${quote(this.node)} is closed.`));
    const id = this.nextId++;
    return new Promise<AgentReply>((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new SchedcpError('timeout', `Node ${quote(this.node)} did not answer ${cmd} within ${timeoutMs} ms.`)); }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(`${JSON.stringify({ v: NODE_PROTOCOL, id, cmd, ...fields })}\n`);
    });
  }

  /** Sends an object (gzip + base64 + sha256: the agent checks the digest before storing it). */
  async putObject(bytes: Buffer): Promise<string> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const reply = await this.request('put_object', { sha256, encoding: 'gzip+base64', data: gzipSync(bytes, { level: 9 }).toString('base64') }, 120_000);
    if (!reply.ok) throw new SchedcpError('subprocess_failed', `Node ${quote(this.node)} refused the policy object: ${reply.error}`);
    return sha256;
  }

  close(): void {
    if (!this.closed) this.socket.destroy();
    this.closed = true;
  }
}
