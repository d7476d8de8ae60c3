// The shape of one MCP prompt: string arguments (MCP prompt arguments are strings), each optionally
// completed from a component's real data, and a render that writes the guided plan for the agent.
import type { App } from '../app.js';
import type { CompletionSource } from '../resources/completion-sources.js';

export interface PromptArgument {
  description: string;
  required: boolean;
  /** Longest value accepted (the argument is quoted into the plan). */
  maxLength: number;
  /** Where completion/complete takes its candidates from. */
  complete?: CompletionSource;
}

export interface PromptSpec {
  name: string;
  title: string;
  description: string;
  arguments: Record<string, PromptArgument>;
  /** The plan: tools in order, what each costs, when to stop. May read config and the tool registry. */
  render(app: App, args: Record<string, string | undefined>): string;
}

/** Identity helper, as defineTool is for tools. */
export function definePrompt(spec: PromptSpec): PromptSpec {
  return spec;
}

/** A value quoted into a plan: JSON quoting so newlines or quotes in it cannot restructure the text. */
export function quoted(value: string): string {
  return JSON.stringify(value);
}
