// The shape of an MCP resource: a template (e.g. policy://{name}) with list and per-variable
// completion, or one fixed URI (e.g. system://summary). Adapters live in src/resources/.
import type { App } from '../app.js';
import type { Scope } from '../config/index.js';

export interface ResourceEntry {
  uri: string;
  name: string;
  description?: string;
  mimeType?: string;
}

interface ResourceBase {
  name: string;
  title: string;
  description: string;
  mimeType: string;
  scope: Scope;
}

export interface TemplateResourceSpec extends ResourceBase {
  /** RFC 6570 template, e.g. "policy://{name}". */
  uriTemplate: string;
  list(app: App): Promise<ResourceEntry[]>;
  /** Completion per template variable: candidate values for what the client has typed so far. */
  complete?: Record<string, (app: App, typed: string) => Promise<string[]>>;
  read(app: App, variables: Record<string, string>): Promise<{ text: string; mimeType?: string }>;
}

export interface FixedResourceSpec extends ResourceBase {
  /** One fixed URI, e.g. "system://summary". */
  uri: string;
  read(app: App): Promise<{ text: string; mimeType?: string }>;
}

export type ResourceSpec = TemplateResourceSpec | FixedResourceSpec;
