// Starts the real, built server (dist/) as a child process and connects the SDK client to it over
// stdio or HTTP. Each call gets its own temporary data dir, removed on close.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

// Works from test/helpers (vitest) and from dist/test/helpers (benchmarks): the repo root is the
// nearest directory above with schedcp's package.json.
function findRepoRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
  }
  throw new Error(`no schedcp checkout above ${start}`);
}

export const REPO_ROOT = findRepoRoot(import.meta.dirname);
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the tests (npm test does).`);
}

export interface TestEnv {
  dataDir: string;
  env: Record<string, string>;
  cleanup(): void;
}

/** A private data dir + config for one test server. `config` is written as the config file. */
export function makeTestEnv(config: Record<string, unknown> = {}, extraEnv: Record<string, string> = {}): TestEnv {
  const root = mkdtempSync(join(tmpdir(), 'schedcp-test-'));
  const dataDir = join(root, 'data');
  const configPath = join(root, 'config.json');
  writeFileSync(configPath, JSON.stringify({ dataDir, cacheDir: process.env.SCHEDCP_CACHE_DIR ?? join(process.env.HOME ?? root, '.cache', 'schedcp'), ...config }));
  return {
    dataDir,
    env: { ...process.env as Record<string, string>, SCHEDCP_CONFIG: configPath, SCHEDCP_LOG_LEVEL: 'warning', ...extraEnv },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface StdioSession {
  client: Client;
  env: TestEnv;
  stderr: () => string;
  close(): Promise<void>;
}

export async function startStdioClient(config: Record<string, unknown> = {}, extraEnv: Record<string, string> = {}): Promise<StdioSession> {
  assertBuilt();
  const env = makeTestEnv(config, extraEnv);
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--stdio'], env: env.env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const client = new Client({ name: 'schedcp-test', version: '0' });
  try {
    await client.connect(transport);
  } catch (error) {
    env.cleanup(); // a server that failed to start must not leave its temp dir behind
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    client, env, stderr: () => stderr,
    async close() { await client.close(); env.cleanup(); },
  };
}

export interface HttpServer {
  url: string;
  port: number;
  process: ChildProcess;
  env: TestEnv;
  stderr: () => string;
  connect(token: string): Promise<Client>;
  close(): Promise<void>;
}

/** Starts `schedcp serve --http --port 0` and waits for the "listening" line that names the port. */
export async function startHttpServer(config: Record<string, unknown> = {}, extraEnv: Record<string, string> = {}): Promise<HttpServer> {
  assertBuilt();
  const env = makeTestEnv(config, { SCHEDCP_LOG_LEVEL: 'info', ...extraEnv });
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0'], { env: env.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /"listening".*?"port":(\d+)/.exec(stderr) ?? /listening on http:\/\/[^:]+:(\d+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolvePort(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${stderr}`)); });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    env.cleanup(); // a server that failed to start must not leave its temp dir behind
    throw error;
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  const clients: Client[] = [];
  return {
    url, port, process: child, env, stderr: () => stderr,
    async connect(token: string) {
      const client = new Client({ name: 'schedcp-test', version: '0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) await c.close().catch(() => undefined);
      if (child.exitCode === null) { child.kill('SIGTERM'); await once(child, 'exit'); }
      env.cleanup();
    },
  };
}
