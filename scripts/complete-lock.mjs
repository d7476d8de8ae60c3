#!/usr/bin/env node
// npm 11's `npm ci` insists that every optional dependency named in the lock file has its own entry,
// but the package registry reachable here serves only some platform builds (e.g. rollup's linux-x64),
// so `npm install` leaves the others out. This adds an entry for each missing optional package,
// marked optional and restricted to its platform (from the package name), so `npm ci` passes the
// sync check and skips them. Run after `npm install` changes the lock file.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'sunos', 'win32', 'aix', 'netbsd'];
const CPU = { 'arm-eabi': 'arm', arm64: 'arm64', x64: 'x64', ia32: 'ia32', 'arm-gnueabihf': 'arm', 'arm-musleabihf': 'arm', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x', arm: 'arm', mips64el: 'mips64el', wasm32: 'wasm32' };

function platformOf(name) {
  const base = name.split('/').pop();
  const os = OS.find((o) => base.includes(`-${o}-`) || base.startsWith(`${o}-`));
  const rest = os ? base.slice(base.indexOf(os) + os.length + 1) : '';
  const cpuKey = Object.keys(CPU).sort((a, b) => b.length - a.length).find((k) => rest.startsWith(k));
  return { os: os ? [os] : undefined, cpu: cpuKey ? [CPU[cpuKey]] : undefined };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    const nested = `${location}/node_modules/${dep}`;
    if (packages[key] || packages[nested]) continue;
    const { os, cpu } = platformOf(dep);
    packages[key] = { version, ...(cpu && { cpu }), ...(entry.dev && { dev: true }), optional: true, ...(os && { os }) };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lock: added ${added} optional platform entries`);
