export { loadConfig, parseConfig, defaultConfigPath, envOverrides } from './load.js';
export { configSchema, SCOPES, type Config, type ConfigInput, type Scope } from './schema.js';
