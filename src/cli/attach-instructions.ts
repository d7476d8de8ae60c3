// What to paste into an MCP client to attach to this server: printed by `serve --http` and by the
// README's quick start.
import { CLI_PATH } from './paths.js';

export function attachInstructions(options: { url: string; tokenFile?: string | undefined; generatedToken?: string | undefined; operatorTokenFile?: string | undefined }): string {
  const token = options.generatedToken ?? (options.tokenFile ? `$(cat ${options.tokenFile})` : '<your token>');
  const lines = [''];
  if (options.generatedToken) lines.push(`Generated a bearer token with every agent scope (stored in ${options.tokenFile}, mode 0600):`, `  ${options.generatedToken}`, '');
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
    ...webLines(options.url.replace(/\/mcp$/, ''), options.operatorTokenFile),
  );
  return lines.join('\n');
}

/** The browser and monitoring URLs beside the MCP endpoint (all on the same server and tokens). */
function webLines(base: string, operatorTokenFile: string | undefined): string[] {
  return [
    `Operator console: ${base}/console/  (sign in with a token${operatorTokenFile ? `; the operator token with scope "approve" is in ${operatorTokenFile}` : ' holding scope "approve" to approve promotions'})`,
    `API reference:    ${base}/api/docs`,
    `OpenAPI 3.1:      ${base}/api/v1/openapi.json  (REST: POST ${base}/api/v1/<tool>)`,
    `Metrics:          ${base}/metrics  (Prometheus; a token with scope "read" or http.metricsToken)`,
    '',
  ];
}
