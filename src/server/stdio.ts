// stdio transport for Claude Desktop / Claude Code: the local user launched us, so the caller has
// every agent scope (not "approve": that is a human's, in the console or the CLI); nothing but
// protocol may be written to stdout.
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { App } from '../app.js';
import { AGENT_SCOPES } from '../config/index.js';
import { createMcpServer } from './create-server.js';

export function startStdioServer(app: App): { close(): Promise<void> } {
  const handle = serveStdio(() => createMcpServer(app, { id: 'stdio', transport: 'stdio', scopes: new Set(AGENT_SCOPES) }), {
    onerror: (error) => app.logger.log('warning', 'stdio transport error', { error: error.message }),
  });
  return handle;
}
