export { createMcpServer, registerTool, toolInputSchema } from './create-server.js';
export { startHttpServer, type HttpServerHandle } from './http.js';
export { startStdioServer } from './stdio.js';
export { resolveHttpTokens } from './tokens.js';
export { defineTool, type ToolSpec, type AnyToolSpec, type ToolContext, type Caller } from './tool.js';
export type { ResourceSpec, ResourceEntry } from './resource.js';
