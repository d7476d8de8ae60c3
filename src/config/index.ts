export { loadConfig, parseConfig, defaultConfigPath, envOverrides } from './load.js';
export { configSchema, SCOPES, HUMAN_SCOPES, AGENT_SCOPES, APPROVAL_ACTIONS, type ApprovalAction, type Config, type ConfigInput, type Scope } from './schema.js';
