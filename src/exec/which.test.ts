import { describe, expect, it } from 'vitest';
import { requireBinary, which } from './index.js';

describe('which / requireBinary', () => {
  it('finds executables on PATH and returns their path', () => {
    expect(which('sh')).toMatch(/\/sh$/);
    expect(requireBinary('sh', 'dash')).toBe(which('sh'));
  });

  it('names the missing binary, its Debian package and who needed it', () => {
    expect(() => requireBinary('schedcp-no-such-tool', 'some-package')).toThrow('schedcp-no-such-tool is not installed (Debian package some-package; run scripts/setup.sh).');
    expect(() => requireBinary('schedcp-no-such-tool', 'some-package', 'Workload demo')).toThrow('Workload demo needs "schedcp-no-such-tool", which is not installed (Debian package some-package; run scripts/setup.sh).');
  });
});
