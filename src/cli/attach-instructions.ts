// What to paste into an MCP client to attach to this server: printed by `serve --http` and by the
// README's quick start.
import { CLI_PATH } from './paths.js';

export function attachInstructions(options: { url: string; tokenFile?: string | undefined; generatedToken?: string | undefined }): string {
  const token = options.generatedToken ?? (options.tokenFile ? `$(cat ${options.tokenFile})` : '<your token>');
  const lines = [''];
  if (options.generatedToken) lines.push(`Generated a bearer token with all scopes (stored in ${options.tokenFile}, mode 0600):`, `  ${options.generatedToken}`, '');
  else if (options.tokenFile) lines.push(`Bearer token: ${options.tokenFile}`, '');
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
