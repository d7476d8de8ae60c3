import { createApp } from '../../app.js';
import { startBackgroundSampler } from '../../analysis/index.js';
import { repositoryOf } from '../../repository/index.js';
import { hostCapabilities } from '../../host/index.js';
import { SchedcpError, quote } from '../../errors.js';
import { resolveHttpTokens, startHttpServer, startStdioServer } from '../../server/index.js';
import type { CliCommand } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';
import { attachInstructions } from '../attach-instructions.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Run the MCP server (--stdio for Claude Desktop/Code, --http for Streamable HTTP)',
  usage: `Usage: schedcp serve --stdio
       schedcp serve --http [--host 127.0.0.1] [--port 7345]

--stdio   Speak MCP on stdin/stdout (logs go to stderr). The caller gets every scope.
--http    Streamable HTTP at http://HOST:PORT/mcp with bearer-token auth and scopes
          (read, verify, deploy, tune, approve), Host/Origin checks, per-client rate limits and a body
          limit; the same server has REST (/api/v1, /api/docs), the operator console (/console/) and
          /metrics. Without configured tokens two are generated on first start in the data dir: the
          agent's (http-token, every scope but approve) and the operator's (http-operator-token).
--host    Bind address (default from config http.host, 127.0.0.1). Binding a non-loopback
          address exposes the server to the network: put TLS in front of it.
--port    TCP port (default from config http.port, 7345; 0 picks a free port).`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      stdio: { type: 'boolean' }, http: { type: 'boolean' }, host: { type: 'string' }, port: { type: 'string' },
    });
    if (Boolean(values.stdio) === Boolean(values.http)) {
      throw new SchedcpError('invalid_argument', 'Choose exactly one transport: --stdio or --http.');
    }
    const app = createApp();
    // Probe once at start so the operator sees up front what will not work here (stderr only).
    void hostCapabilities({ cacheDir: app.config.cacheDir }).then((caps) => {
      const missing = caps.capabilities.filter((c) => !c.available);
      app.logger.log('info', 'host capabilities', { kernel: caps.kernelRelease, unavailable: missing.map((c) => `${c.name}: ${c.detail}`) });
    }).catch(() => undefined);
    // Levels 0/1 of system_summary and system_signals answer from this sampler's latest window.
    startBackgroundSampler(app);
    // Live deployments from before a restart: reconnect to their nodes and report the true state.
    void import('../../deployer/index.js').then((d) => d.resumeDeployments(app)).catch(() => undefined);
    // Load the embedding model and seed the index off the start path, so no search pays the cold start.
    setTimeout(() => {
      void repositoryOf(app).ready().then((index) => index.embedder.embed(['warm up the query path']))
        .then(() => app.logger.log('info', 'search index ready'))
        .catch((error: unknown) => app.logger.log('warning', 'search warm-up failed; the first search will retry', { error: String(error) }));
    }, 0).unref();
    const shutdown = async () => { await app.close(); process.exit(0); };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    if (values.stdio) {
      const handle = startStdioServer(app);
      app.onClose(() => handle.close());
      process.stdin.once('end', shutdown);
      return new Promise<number>(() => undefined);
    }
    const host = values.host ?? app.config.http.host;
    const port = values.port === undefined ? app.config.http.port : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SchedcpError('invalid_argument', `--port ${quote(values.port)} is not a port number (0-65535).`);
    const tokens = resolveHttpTokens(app.config);
    const server = await startHttpServer(app, { host, port, tokens: tokens.tokens });
    app.onClose(() => server.close());
    if (!LOOPBACK.has(host)) app.logger.log('warning', `listening on non-loopback address ${host}: anyone who can reach it and holds a token can call tools; use TLS in front`);
    io.err(attachInstructions({ url: `http://${LOOPBACK.has(host) ? '127.0.0.1' : host}:${server.port}/mcp`, tokenFile: tokens.tokenFile, generatedToken: tokens.generatedToken, operatorTokenFile: tokens.operatorTokenFile }));
    app.logger.log('info', 'listening', { url: `http://${host}:${server.port}/mcp`, port: server.port });
    return new Promise<number>(() => undefined);
  },
};

