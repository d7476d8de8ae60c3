// A scripted agent's view of a session: each call goes through the SDK client and is recorded as
// the client saw it (arguments, the text content, progress messages, errors). With
// SCHEDCP_TRANSCRIPT=<file.md> (or --transcript=<file.md> to vitest) the record is written as markdown.
import { writeFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/client';

export interface Step { title: string; call?: { tool: string; args: Record<string, unknown> }; text: string; isError: boolean; progress: string[] }

export function transcriptPath(): string | undefined {
  const flag = process.argv.find((a) => a.startsWith('--transcript='));
  return flag ? flag.slice('--transcript='.length) : process.env.SCHEDCP_TRANSCRIPT || undefined;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}\n… (${s.length - n} more characters)` : s);

export class AgentSession {
  readonly steps: Step[] = [];
  constructor(readonly client: Client, readonly transport: string) {}

  /** Calls a tool as an agent would; returns structured content (or throws on a protocol error). */
  async call<T = Record<string, unknown>>(title: string, tool: string, args: Record<string, unknown> = {}, options: { progress?: boolean; timeout?: number } = {}): Promise<{ data: T; text: string; isError: boolean; progress: string[] }> {
    const progress: string[] = [];
    const r = await this.client.callTool({ name: tool, arguments: args }, {
      ...(options.progress && { onprogress: (p: { progress: number; total?: number; message?: string }) => { progress.push(`${p.progress}${p.total ? `/${p.total}` : ''} ${p.message ?? ''}`.trim()); } }),
      ...(options.timeout && { timeout: options.timeout, resetTimeoutOnProgress: true }),
    });
    const text = (r.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');
    this.steps.push({ title, call: { tool, args }, text, isError: r.isError === true, progress });
    return { data: (r.structuredContent ?? {}) as T, text, isError: r.isError === true, progress };
  }

  note(title: string, text: string): void {
    this.steps.push({ title, text, isError: false, progress: [] });
  }

  markdown(heading: string): string {
    const out = [`## ${heading} (${this.transport})`, ''];
    this.steps.forEach((s, i) => {
      out.push(`### ${i + 1}. ${s.title}`, '');
      if (s.call) {
        const args = JSON.stringify(s.call.args, (_k, v: unknown) => (typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}… (${v.length} chars)` : v), 2);
        out.push(`\`${s.call.tool}\``, '', '```json', args, '```', '');
      }
      if (s.progress.length) out.push(`Progress (${s.progress.length} notifications): ${s.progress.slice(0, 6).join(' · ')}${s.progress.length > 6 ? ' · …' : ''}`, '');
      out.push(s.isError ? '**Error result:**' : 'Result (text content):', '', '```text', clip(s.text, 1500), '```', '');
    });
    return out.join('\n');
  }
}

export function writeTranscript(path: string, sections: string[], testFile = 'test/session-agent.test.ts'): void {
  writeFileSync(path, [
    '# A scripted agent session, as the client sees it',
    '',
    `Written by \`SCHEDCP_TRANSCRIPT=docs/session-example.md npx vitest run ${testFile}\`: the real server, driven through the MCP SDK client with no LLM, showing each tool call, its arguments and the text a model would read. Long results are clipped here; the tests assert on the structured content.`,
    '',
    ...sections,
  ].join('\n'));
}
