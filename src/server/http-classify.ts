// Reads a JSON-RPC body (single message or batch) and decides which scope and rate class it needs
// before the MCP handler sees it, so a wrong scope is a 403 and a flood a 429 at the HTTP layer.
import type { Scope } from '../config/index.js';

export interface RequestNeeds {
  /** Scopes required: one per tools/call; reading lists and resources needs "read". */
  scopes: Scope[];
  /** Tool names called (for the audit row of a denial). */
  tools: string[];
  /** Rate-limit classes to charge, one per message. */
  classes: Scope[];
}

export function classifyBody(body: unknown, scopeOfTool: (name: string) => Scope | undefined): RequestNeeds {
  const messages = Array.isArray(body) ? body : [body];
  const needs: RequestNeeds = { scopes: [], tools: [], classes: [] };
  for (const message of messages) {
    if (!message || typeof message !== 'object') continue;
    const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
    if (typeof method !== 'string') continue;
    if (method === 'tools/call' && typeof params?.name === 'string') {
      // Unknown tools pass through: the MCP layer answers them with its own specific error.
      const scope = scopeOfTool(params.name) ?? 'read';
      needs.scopes.push(scope);
      needs.tools.push(params.name);
      needs.classes.push(scope);
    } else if (method.startsWith('notifications/')) {
      continue;
    } else {
      needs.classes.push('read');
      if (method.startsWith('resources/')) needs.scopes.push('read');
    }
  }
  return needs;
}
