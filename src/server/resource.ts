// The shape of an MCP resource template (e.g. policy://{name}); registered beside the tools.
import type { App } from '../app.js';
import type { Scope } from '../config/index.js';

export interface ResourceEntry {
  uri: string;
  name: string;
  description?: string;
  mimeType?: string;
}

export interface ResourceSpec {
  name: string;
  /** RFC 6570 template, e.g. "policy://{name}". */
  uriTemplate: string;
  title: string;
  description: string;
  mimeType: string;
  scope: Scope;
  list(app: App): Promise<ResourceEntry[]>;
  read(app: App, variables: Record<string, string>): Promise<{ text: string; mimeType?: string }>;
}
