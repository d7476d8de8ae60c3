// Logs go to stderr as JSON lines: stdout belongs to the MCP protocol under `serve --stdio`.
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

export interface Logger {
  log(level: LogLevel, message: string, data?: Record<string, unknown>): void;
}

export function stderrLogger(minLevel: LogLevel = (process.env.SCHEDCP_LOG_LEVEL as LogLevel) || 'info'): Logger {
  const min = ORDER[minLevel] ?? ORDER.info;
  return {
    log(level, message, data) {
      if (ORDER[level] < min) return;
      process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level, message, ...data })}\n`);
    },
  };
}
