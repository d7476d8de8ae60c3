import { fileURLToPath } from 'node:url';

/** Absolute path of the built CLI entry (dist/src/cli/main.js), for attach snippets. */
export const CLI_PATH = fileURLToPath(new URL('./main.js', import.meta.url));
