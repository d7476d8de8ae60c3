// What to paste into an MCP client to attach to this server: printed by `serve --http` and by the
// README's quick start.
import { CLI_PATH } from './paths.js';

export function attachInstructions(options: { url: string; generated?: { token: string; path: string } | undefined; tokenPath?: string | undefined }): string {
  const token = options.generated?.token ?? (options.tokenPath ? `$(cat ${options.tokenPath})` : '<your token>');
  const lines = [''];
  if (options.generated) lines.push(`Generated a bearer token with all scopes (stored in ${options.generated.path}, mode 0600):`, `  ${options.generated.token}`, '');
  else if (options.tokenPath) lines.push(`Bearer token: ${options.tokenPath}`, '');
  lines.push(
    'Attach Claude Code over HTTP:',
    `  claude mcp add --transport http schedcp ${options.url} --header "Authorization: Bearer ${token}"`,
    '',
    'Or run it over stdio from Claude Desktop (claude_desktop_config.json):',
    JSON.stringify({ mcpServers: { schedcp: { command: process.execPath, args: [CLI_PATH, 'serve', '--stdio'] } } }, null, 2).split('\n').map((l) => `  ${l}`).join('\n'),
    '',
    `  (Claude Code over stdio: claude mcp add schedcp -- ${process.execPath} ${CLI_PATH} serve --stdio)`,
    '',
  );
  return lines.join('\n');
}
